package io.nbdcrypt.xts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nbdcrypt.crypto.SecretBytes;
import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Contract of {@link XtsCipher}: bad input, key handling, close, concurrency. */
class XtsCipherTest {
    private static final byte[] KEY = HexFormat.of().parseHex(
            "0f1e2d3c4b5a69788796a5b4c3d2e1f0112233445566778899aabbccddeeff00");

    @Test
    void create_keyOfWrongLength_refusedNamingTheLength() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> XtsCipher.create(SecretBytes.copyOf(new byte[48])));
        assertTrue(e.getMessage().contains("48"), e.getMessage());
    }

    @Test
    void create_equalHalves_refusedWithoutKeyBytesInMessage() {
        byte[] key = new byte[64];
        java.util.Arrays.fill(key, (byte) 0x5a);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> XtsCipher.create(SecretBytes.copyOf(key)));
        assertFalse(e.getMessage().toLowerCase().contains("5a5a"), e.getMessage());
    }

    @Test
    void create_callersKeyStillUsableAfterwards() {
        try (SecretBytes k = SecretBytes.copyOf(KEY); XtsCipher c = XtsCipher.create(k)) {
            assertFalse(k.isClosed());
            assertEquals(32, c.keyBytes());
        }
    }

    @Test
    void encrypt_badArguments_refused() {
        try (XtsCipher c = XtsCipher.create(SecretBytes.copyOf(KEY))) {
            assertThrows(IllegalArgumentException.class, () -> c.encrypt(new byte[15], new byte[32], 0, 32));
            assertThrows(IllegalArgumentException.class, () -> c.encrypt(new byte[16], new byte[32], 0, 15));
            assertThrows(IndexOutOfBoundsException.class, () -> c.encrypt(new byte[16], new byte[32], 17, 16));
            assertThrows(IndexOutOfBoundsException.class, () -> c.decrypt(new byte[16], new byte[32], -1, 16));
        }
    }

    @Test
    void encrypt_afterClose_refused() {
        XtsCipher c = XtsCipher.create(SecretBytes.copyOf(KEY));
        c.encrypt(new byte[16], new byte[64], 0, 64);
        c.close();
        assertTrue(c.isClosed());
        assertThrows(IllegalStateException.class, () -> c.encrypt(new byte[16], new byte[32], 0, 32));
        c.close(); // idempotent
    }

    @Test
    void toString_showsNoKeyMaterial() {
        try (XtsCipher c = XtsCipher.create(SecretBytes.copyOf(KEY))) {
            String s = c.toString();
            assertEquals("XtsCipher[XTS-AES-128]", s);
        }
    }

    @Test
    void encrypt_manyThreadsAtOnce_eachMatchesReference() throws Exception {
        SplittableRandom rnd = new SplittableRandom(42);
        byte[] key = XtsCipherPropertyTest.bytes(rnd, 64);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try (XtsCipher c = XtsCipher.create(SecretBytes.copyOf(key))) {
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                long seed = rnd.nextLong();
                fs.add(pool.submit(() -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    for (int i = 0; i < 200; i++) {
                        byte[] tweak = XtsCipherPropertyTest.bytes(r, 16);
                        byte[] data = XtsCipherPropertyTest.bytes(r, 16 + r.nextInt(20000));
                        byte[] buf = data.clone();
                        c.encrypt(tweak, buf, 0, buf.length);
                        assertArrayEquals(ReferenceXts.encrypt(key, tweak, data), buf);
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
