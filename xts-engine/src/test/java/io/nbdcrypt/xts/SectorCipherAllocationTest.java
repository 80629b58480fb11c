package io.nbdcrypt.xts;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nbdcrypt.crypto.SecretBytes;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The hot path allocates nothing once compiled: the bytes this thread allocates over many
 * calls, counted by the JVM, not timed. (Calling the JCE in place made the JDK copy every
 * piece into a new array: 4160 bytes per 4 KiB sector.)
 */
class SectorCipherAllocationTest {
    private static final int WARM_UP = 50_000;
    private static final int CALLS = 5_000;

    @ParameterizedTest
    @EnumSource(XtsEngineVariant.class)
    void encryptDecrypt_heapSectors_allocateNothingPerCall(XtsEngineVariant variant) {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (SecretBytes key = SecretBytes.random(64, new SecureRandom()); XtsCipher xts = variant.create(key)) {
            for (int sectorSize : new int[] {512, 4096}) {
                SectorCipher cipher = new SectorCipher(xts, sectorSize, IvRule.dmCrypt(IvMode.PLAIN64, 0));
                ByteBuffer buf = ByteBuffer.allocate(8 * sectorSize);
                for (int i = 0; i < WARM_UP; i++) {
                    roundTrip(cipher, buf, i);
                }
                long before = mx.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < CALLS; i++) {
                    roundTrip(cipher, buf, i);
                }
                long perCall = (mx.getCurrentThreadAllocatedBytes() - before) / (2L * CALLS);
                assertTrue(perCall < 16, variant + ", " + sectorSize + "-byte sectors: " + perCall + " bytes allocated per call");
            }
        }
    }

    private static void roundTrip(SectorCipher cipher, ByteBuffer buf, int i) {
        cipher.encrypt(buf, i);
        cipher.decrypt(buf, i);
    }
}
