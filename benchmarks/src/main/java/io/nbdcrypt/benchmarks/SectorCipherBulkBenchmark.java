package io.nbdcrypt.benchmarks;

import io.nbdcrypt.crypto.SecretBytes;
import io.nbdcrypt.xts.IvMode;
import io.nbdcrypt.xts.IvRule;
import io.nbdcrypt.xts.SectorCipher;
import io.nbdcrypt.xts.XtsCipher;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * The bulk path: one thread encrypting large requests (4 KiB sectors, XTS-AES-256), serial
 * versus split across the common pool. Decides {@link SectorCipher#DEFAULT_PARALLEL_THRESHOLD}.
 * Bytes per op = {@code requestBytes}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Benchmark)
@Threads(1)
public class SectorCipherBulkBenchmark {
    @Param({"65536", "131072", "262144", "1048576"})
    public int requestBytes;
    /** "serial" or "split". */
    @Param({"serial", "split"})
    public String path;
    @Param({"false"})
    public boolean direct;

    XtsCipher xts;
    SectorCipher sectors;
    ByteBuffer buf;

    @Setup
    public void setUp() {
        try (SecretBytes key = SecretBytes.random(64, new SecureRandom())) {
            xts = XtsCipher.create(key);
        }
        int threshold = path.equals("split") ? 4096 : Integer.MAX_VALUE;
        sectors = new SectorCipher(xts, 4096, IvRule.dmCrypt(IvMode.PLAIN64, 0)).withParallelism(ForkJoinPool.commonPool(), threshold);
        buf = direct ? ByteBuffer.allocateDirect(requestBytes) : ByteBuffer.allocate(requestBytes);
    }

    @TearDown
    public void tearDown() {
        xts.close();
    }

    @Benchmark
    public ByteBuffer encrypt() {
        sectors.encrypt(buf, 0);
        return buf;
    }
}
