package io.nbdcrypt.benchmarks;

import io.nbdcrypt.crypto.SecretBytes;
import io.nbdcrypt.xts.IvMode;
import io.nbdcrypt.xts.IvRule;
import io.nbdcrypt.xts.SectorCipher;
import io.nbdcrypt.xts.XtsCipher;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Sector encryption throughput: one operation is one request of {@code sectorsPerOp} sectors
 * of {@code sectorSize} bytes through {@link SectorCipher}, in place. Bytes per op =
 * {@code sectorSize * sectorsPerOp}; {@code benchmarks/xts-vs-openssl.sh} turns ops/s into
 * MB/s. Run with {@code -t 1} and {@code -t 2} for the thread counts (all threads share one
 * cipher, as NBD request threads do).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class XtsBenchmark {

    /** One cipher shared by every benchmark thread. */
    @State(Scope.Benchmark)
    public static class Engine {
        @Param({"256", "128"})
        public int keyBits;
        @Param({"4096", "512"})
        public int sectorSize;

        XtsCipher xts;
        SectorCipher sectors;

        @Setup(Level.Trial)
        public void setUp() {
            try (SecretBytes key = SecretBytes.random(keyBits / 4, new SecureRandom())) {
                xts = XtsCipher.create(key);
            }
            // Splitting off: this measures the per-core engine.
            sectors = new SectorCipher(xts, sectorSize, IvRule.dmCrypt(IvMode.PLAIN64, 0))
                    .withParallelism(java.util.concurrent.ForkJoinPool.commonPool(), Integer.MAX_VALUE);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            xts.close();
        }
    }

    /** Each thread's own request buffer. */
    @State(Scope.Thread)
    public static class Request {
        @Param({"false", "true"})
        public boolean direct;
        /** 1: one data unit per call, like {@code openssl speed -bytes N}; 8: a request of 8 sectors (4 KiB of 512-byte sectors). */
        @Param({"1", "8"})
        public int sectorsPerOp;

        ByteBuffer buf;
        long sector;

        @Setup(Level.Trial)
        public void setUp(Engine e) {
            int len = e.sectorSize * sectorsPerOp;
            buf = direct ? ByteBuffer.allocateDirect(len) : ByteBuffer.allocate(len);
            byte[] fill = new byte[len];
            new SecureRandom().nextBytes(fill);
            buf.put(0, fill);
        }
    }

    @Benchmark
    public ByteBuffer encrypt(Engine e, Request r) {
        e.sectors.encrypt(r.buf, r.sector++ & 0xffff);
        return r.buf;
    }

    @Benchmark
    public ByteBuffer decrypt(Engine e, Request r) {
        e.sectors.decrypt(r.buf, r.sector++ & 0xffff);
        return r.buf;
    }
}
