package io.nbdcrypt.benchmarks;

import io.nbdcrypt.crypto.SecretBytes;
import io.nbdcrypt.xts.IvMode;
import io.nbdcrypt.xts.IvRule;
import io.nbdcrypt.xts.SectorCipher;
import io.nbdcrypt.xts.XtsCipher;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.concurrent.ForkJoinPool;

/**
 * The {@link XtsBenchmark} cases timed by the thread's CPU time instead of the wall clock,
 * one thread. On a shared machine, wall-clock throughput mostly measures the neighbours;
 * CPU time is comparable with {@code openssl speed} without {@code -elapsed}, which also
 * counts user CPU time. Prints one line per case: {@code keyBits sectorSize sectorsPerOp
 * heap|direct encrypt|decrypt MB/s}.
 *
 * <p>Usage: {@code java -cp benchmarks.jar io.nbdcrypt.benchmarks.CpuTimeComparison [seconds]}
 */
public final class CpuTimeComparison {
    private CpuTimeComparison() {}

    public static void main(String[] args) {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 2.0;
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        for (int keyBits : new int[] {256, 128}) {
            for (int sectorSize : new int[] {4096, 512}) {
                for (int perOp : new int[] {1, 8}) {
                    for (boolean direct : new boolean[] {false, true}) {
                        for (boolean encrypt : new boolean[] {true, false}) {
                            double mbps = run(mx, keyBits, sectorSize, perOp, direct, encrypt, seconds);
                            System.out.printf("%d %d %d %s %s %.0f%n", keyBits, sectorSize, perOp, direct ? "direct" : "heap",
                                    encrypt ? "encrypt" : "decrypt", mbps);
                        }
                    }
                }
            }
        }
    }

    private static double run(ThreadMXBean mx, int keyBits, int sectorSize, int perOp, boolean direct, boolean encrypt,
            double seconds) {
        try (SecretBytes key = SecretBytes.random(keyBits / 4, new SecureRandom()); XtsCipher xts = XtsCipher.create(key)) {
            SectorCipher sc = new SectorCipher(xts, sectorSize, IvRule.dmCrypt(IvMode.PLAIN64, 0))
                    .withParallelism(ForkJoinPool.commonPool(), Integer.MAX_VALUE);
            int len = sectorSize * perOp;
            ByteBuffer buf = direct ? ByteBuffer.allocateDirect(len) : ByteBuffer.allocate(len);
            loop(mx, sc, buf, encrypt, seconds / 2); // warm-up (JIT)
            long start = mx.getCurrentThreadCpuTime();
            long ops = loop(mx, sc, buf, encrypt, seconds);
            double cpuSeconds = (mx.getCurrentThreadCpuTime() - start) / 1e9;
            return ops * (double) len / cpuSeconds / 1e6;
        }
    }

    private static long loop(ThreadMXBean mx, SectorCipher sc, ByteBuffer buf, boolean encrypt, double seconds) {
        long end = mx.getCurrentThreadCpuTime() + (long) (seconds * 1e9);
        long ops = 0;
        while (mx.getCurrentThreadCpuTime() < end) {
            for (int i = 0; i < 64; i++, ops++) {
                if (encrypt) {
                    sc.encrypt(buf, ops & 0xffff);
                } else {
                    sc.decrypt(buf, ops & 0xffff);
                }
            }
        }
        return ops;
    }
}
