package io.nbdcrypt.block.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nbdcrypt.testsupport.ExternalTool;
import io.nbdcrypt.xts.IvMode;
import io.nbdcrypt.xts.IvRule;
import io.nbdcrypt.xts.RawAesKey;
import io.nbdcrypt.xts.SectorAuthenticationException;
import io.nbdcrypt.xts.SectorCipher;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ForkJoinPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The AES-GCM sector transform through {@link SectorCipher}'s side-data path: the bytes against
 * Python {@code cryptography}'s AESGCM (nonce = LE counter then four zero bytes, AAD = LE sector
 * index), and each way a sector can be wrong failing with the right sector number.
 */
class GcmSectorTransformTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final long SEED = Long.getLong("xts.seed", System.nanoTime());
    private static final int SS = 4096;
    private static final int SIDE = GcmSectorTransform.SIDE_BYTES;

    private byte[] keyBytes;
    private RawAesKey key;
    private GcmSectorTransform gcm;
    private SectorCipher cipher;

    @BeforeEach
    void setUp() {
        keyBytes = bytes(32, 1);
        key = new RawAesKey(keyBytes, 0, 32);
        gcm = new GcmSectorTransform(key);
        cipher = new SectorCipher(gcm, SS, new IvRule(IvMode.PLAIN64, 0, true));
    }

    @AfterEach
    void tearDown() {
        cipher.close();
        key.destroy();
    }

    @Test
    void encrypt_sectorsThroughDirectBuffer_matchPythonAesGcmWithCounterNonceAndSectorAad() {
        int n = 7;
        long first = (1L << 32) + 5;
        byte[] plain = bytes(n * SS, 2);
        ByteBuffer buf = ByteBuffer.allocateDirect(plain.length).put(0, plain);
        byte[] side = new byte[n * SIDE];
        cipher.encrypt(buf, first, side, 0);
        StringBuilder in = new StringBuilder();
        for (int i = 0; i < n; i++) {
            long counter = (long) Gcm.LE.get(side, i * SIDE);
            assertEquals(i + 1, counter, "nonces count from 1, one per sector");
            in.append(HEX.formatHex(keyBytes)).append(' ').append(counter).append(' ').append(first + i).append(' ')
                    .append(HEX.formatHex(Arrays.copyOfRange(plain, i * SS, (i + 1) * SS))).append('\n');
        }
        String script = """
                import sys
                from cryptography.hazmat.primitives.ciphers.aead import AESGCM
                for line in sys.stdin:
                    key, counter, sector, data = line.split()
                    nonce = int(counter).to_bytes(8, 'little') + bytes(4)
                    print(AESGCM(bytes.fromhex(key)).encrypt(nonce, bytes.fromhex(data), int(sector).to_bytes(8, 'little')).hex())
                """;
        String[] lines = ExternalTool.run(List.of(ExternalTool.debianPython().toString(), "-c", script),
                in.toString().getBytes(StandardCharsets.US_ASCII), 60).assertSuccess().stdoutText().strip().split("\n");
        assertEquals(n, lines.length);
        for (int i = 0; i < n; i++) {
            byte[] want = HEX.parseHex(lines[i].strip());
            byte[] got = new byte[SS];
            buf.get(i * SS, got);
            assertArrayEquals(Arrays.copyOfRange(want, 0, SS), got, "ciphertext of sector " + (first + i));
            assertArrayEquals(Arrays.copyOfRange(want, SS, SS + 16), Arrays.copyOfRange(side, i * SIDE + 8, (i + 1) * SIDE),
                    "tag of sector " + (first + i));
        }
    }

    /** Heap, direct and split-across-threads paths round-trip; a side-data offset is honoured. */
    @Test
    void encryptDecrypt_heapDirectAndParallel_roundTrip() {
        ForkJoinPool pool = new ForkJoinPool(2);
        try {
            SectorCipher split = cipher.withParallelism(pool, 128 * 1024);
            int n = 600; // 2.3 MiB: split into parts, and across the lane's IV batch of 256
            byte[] plain = bytes(n * SS, 3);
            for (SectorCipher sc : List.of(cipher, split)) {
                for (boolean direct : new boolean[] {false, true}) {
                    ByteBuffer buf = direct ? ByteBuffer.allocateDirect(plain.length).put(0, plain) : ByteBuffer.wrap(plain.clone());
                    byte[] side = new byte[16 + n * SIDE];
                    sc.encrypt(buf, 1000, side, 16);
                    sc.decrypt(buf, 1000, side, 16);
                    byte[] got = new byte[plain.length];
                    buf.get(0, got);
                    assertArrayEquals(plain, got, (direct ? "direct" : "heap") + " threshold " + sc.parallelThreshold());
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void decrypt_flippedByte_failsNamingThatSector() {
        Sealed s = seal(10, 500);
        s.buf.put(3 * SS + 100, (byte) (s.buf.get(3 * SS + 100) ^ 1));
        SectorAuthenticationException e = assertThrows(SectorAuthenticationException.class, () -> cipher.decrypt(s.buf, 500, s.side, 0));
        assertEquals(503, e.sector());
    }

    @Test
    void decrypt_sectorMovedToAnotherPosition_fails() {
        Sealed s = seal(2, 40);
        // Sector 41's ciphertext and record presented as sector 40.
        ByteBuffer moved = ByteBuffer.wrap(Arrays.copyOfRange(s.buf.array(), SS, 2 * SS));
        byte[] side = Arrays.copyOfRange(s.side, SIDE, 2 * SIDE);
        assertEquals(40, assertThrows(SectorAuthenticationException.class, () -> cipher.decrypt(moved, 40, side, 0)).sector());
    }

    /** An older ciphertext of the same sector, against the record the tree holds now. */
    @Test
    void decrypt_olderVersionOfSector_failsAgainstNewRecord() {
        Sealed old = seal(1, 9);
        Sealed now = seal(1, 9);
        assertEquals(9, assertThrows(SectorAuthenticationException.class, () -> cipher.decrypt(old.buf, 9, now.side, 0)).sector());
    }

    @Test
    void decrypt_zeroedSectorOrNeverWrittenRecord_fails() {
        Sealed s = seal(2, 0);
        ByteBuffer zeroes = ByteBuffer.allocate(2 * SS);
        assertEquals(0, assertThrows(SectorAuthenticationException.class, () -> cipher.decrypt(zeroes, 0, s.side, 0)).sector());
        byte[] neverWritten = new byte[2 * SIDE];
        assertEquals(0, assertThrows(SectorAuthenticationException.class, () -> cipher.decrypt(s.buf, 0, neverWritten, 0)).sector());
    }

    /** A failing sector in a part run by a pool thread is reported, and every part is finished first. */
    @Test
    void decrypt_failureInSplitRequest_reportedWithItsSector() {
        ForkJoinPool pool = new ForkJoinPool(2);
        try {
            SectorCipher split = cipher.withParallelism(pool, 128 * 1024);
            Sealed s = seal(300, 0);
            s.buf.put(250 * SS, (byte) (s.buf.get(250 * SS) ^ 0x80));
            assertEquals(250, assertThrows(SectorAuthenticationException.class, () -> split.decrypt(s.buf, 0, s.side, 0)).sector());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void sideData_missingOrForHoles_refusedWithReason() {
        ByteBuffer buf = ByteBuffer.allocate(SS);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> cipher.encrypt(buf, 0));
        assertTrue(e.getMessage().contains("side data"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> cipher.decryptKeepingHoles(buf, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> cipher.encrypt(buf, 0, new byte[SIDE - 1], 0));
    }

    private record Sealed(ByteBuffer buf, byte[] side) {}

    private Sealed seal(int n, long first) {
        ByteBuffer buf = ByteBuffer.wrap(bytes(n * SS, (int) first + n));
        byte[] side = new byte[n * SIDE];
        cipher.encrypt(buf, first, side, 0);
        return new Sealed(buf, side);
    }

    private static byte[] bytes(int n, int salt) {
        byte[] b = new byte[n];
        new SplittableRandom(SEED + salt).nextBytes(b);
        return b;
    }
}
