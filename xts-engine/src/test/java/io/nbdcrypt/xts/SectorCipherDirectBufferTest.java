package io.nbdcrypt.xts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nbdcrypt.crypto.SecretBytes;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Direct buffers (the NBD read path decrypts the reply buffer, a direct one, in place): against
 * the slow reference, with both tweak masks, at a position inside a sliced buffer, over sizes
 * that cross the bounce array and the 256-sector IV batch, and with holes kept.
 */
class SectorCipherDirectBufferTest {
    private static final long SEED = Long.getLong("xts.seed", System.nanoTime());

    private static byte[] le16(long v) {
        byte[] b = new byte[16];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (v >>> (8 * i));
        }
        return b;
    }

    @ParameterizedTest
    @EnumSource(XtsEngineVariant.class)
    void directBuffer_encryptDecryptAndKeepHoles_matchTheReference(XtsEngineVariant variant) {
        SplittableRandom rnd = new SplittableRandom(SEED + variant.ordinal());
        for (int sectorSize : new int[] {512, 4096}) {
            int sectors = sectorSize == 512 ? 300 : 40;   // 150 KiB / 160 KiB
            byte[] key = XtsCipherPropertyTest.bytes(rnd, 64);
            long first = rnd.nextLong(1L << 40);
            IvRule rule = IvRule.dmCrypt(IvMode.PLAIN64, 7);
            byte[] plain = XtsCipherPropertyTest.bytes(rnd, sectors * sectorSize);
            byte[] expected = new byte[plain.length];
            for (int i = 0; i < sectors; i++) {
                byte[] unit = ReferenceXts.encrypt(key, le16(rule.ivSector(first + i, sectorSize)),
                        Arrays.copyOfRange(plain, i * sectorSize, (i + 1) * sectorSize));
                System.arraycopy(unit, 0, expected, i * sectorSize, sectorSize);
            }
            String what = "seed " + SEED + " " + variant + " " + sectorSize;
            try (XtsCipher xts = variant.create(SecretBytes.copyOf(key))) {
                SectorCipher sc = new SectorCipher(xts, sectorSize, rule).withParallelism(
                        java.util.concurrent.ForkJoinPool.commonPool(), Integer.MAX_VALUE);
                ByteBuffer direct = ByteBuffer.allocateDirect(plain.length + 96).position(64).slice().position(16);
                direct.put(16, plain).limit(16 + plain.length);
                sc.encrypt(direct, first);
                assertEquals(16, direct.position());
                byte[] got = new byte[plain.length];
                direct.get(16, got);
                assertArrayEquals(expected, got, what + " encrypt");
                assertEquals(0, direct.get(15), what + ": byte before the range changed");
                assertEquals(0, direct.duplicate().clear().get(16 + plain.length), what + ": byte after the range changed");

                int[] holes = {0, 3, 4, sectors / 2, sectors - 1};
                for (int h : holes) {
                    for (int j = 0; j < sectorSize; j++) {
                        direct.put(16 + h * sectorSize + j, (byte) 0);
                    }
                }
                sc.decryptKeepingHoles(direct, first);
                direct.get(16, got);
                byte[] want = plain.clone();
                for (int h : holes) {
                    Arrays.fill(want, h * sectorSize, (h + 1) * sectorSize, (byte) 0);
                }
                assertArrayEquals(want, got, what + " decrypt keeping holes");
            }
        }
    }
}
