package io.nbdcrypt.xts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.nbdcrypt.crypto.SecretBytes;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Random keys, tweaks and lengths (16 bytes .. 64 KiB) against the reference and against Python. */
class XtsCipherPropertyTest {
    private static final long SEED = Long.getLong("xts.seed", System.nanoTime());

    @ParameterizedTest
    @EnumSource(XtsEngineVariant.class)
    void encryptDecrypt_randomCases_matchReferenceAndRoundTrip(XtsEngineVariant variant) {
        SplittableRandom rnd = new SplittableRandom(SEED);
        for (int i = 0; i < 300; i++) {
            byte[] key = randomKey(rnd);
            byte[] tweak = bytes(rnd, 16);
            byte[] plain = bytes(rnd, randomLength(rnd));
            String what = variant + " seed " + SEED + " case " + i + " len " + plain.length + " key " + key.length;
            try (SecretBytes k = SecretBytes.copyOf(key); XtsCipher c = variant.create(k)) {
                byte[] buf = plain.clone();
                c.encrypt(tweak, buf, 0, buf.length);
                assertArrayEquals(ReferenceXts.encrypt(key, tweak, plain), buf, what);
                // buf now equals the reference ciphertext, so this also checks decryption against the reference.
                c.decrypt(tweak, buf, 0, buf.length);
                assertArrayEquals(plain, buf, what + " decrypt");
            }
        }
    }

    @Test
    void encrypt_atOffsetInLargerArray_touchesOnlyItsRange() {
        SplittableRandom rnd = new SplittableRandom(SEED);
        byte[] key = randomKey(rnd);
        byte[] tweak = bytes(rnd, 16);
        byte[] arr = bytes(rnd, 9000);
        byte[] before = arr.clone();
        try (XtsCipher c = XtsCipher.create(SecretBytes.copyOf(key))) {
            c.encrypt(tweak, arr, 100, 8195);
        }
        byte[] expected = before.clone();
        byte[] unit = ReferenceXts.encrypt(key, tweak, java.util.Arrays.copyOfRange(before, 100, 100 + 8195));
        System.arraycopy(unit, 0, expected, 100, unit.length);
        assertArrayEquals(expected, arr);
    }

    @Test
    void encryptDecrypt_randomCases_matchPythonCryptography() {
        SplittableRandom rnd = new SplittableRandom(SEED ^ 0x5eed);
        List<PythonXts.Case> cases = new ArrayList<>();
        List<byte[]> ours = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            byte[] key = randomKey(rnd);
            byte[] tweak = bytes(rnd, 16);
            byte[] data = bytes(rnd, i < 4 ? 16 + i : randomLength(rnd));
            boolean encrypt = i % 2 == 0;
            cases.add(new PythonXts.Case(encrypt, key, tweak, data));
            byte[] buf = data.clone();
            try (XtsCipher c = XtsCipher.create(SecretBytes.copyOf(key))) {
                if (encrypt) {
                    c.encrypt(tweak, buf, 0, buf.length);
                } else {
                    c.decrypt(tweak, buf, 0, buf.length);
                }
            }
            ours.add(buf);
        }
        List<byte[]> theirs = PythonXts.run(cases);
        for (int i = 0; i < cases.size(); i++) {
            assertArrayEquals(theirs.get(i), ours.get(i), "seed " + SEED + " case " + i + " len " + cases.get(i).data().length);
        }
    }

    static byte[] randomKey(SplittableRandom rnd) {
        return bytes(rnd, rnd.nextBoolean() ? 32 : 64);
    }

    /** Mostly small and odd lengths (stealing), sometimes large ones that span several engine chunks. */
    static int randomLength(SplittableRandom rnd) {
        return switch (rnd.nextInt(4)) {
            case 0 -> 16 + rnd.nextInt(64);
            case 1 -> 16 + rnd.nextInt(4096);
            case 2 -> 16 * (1 + rnd.nextInt(4096));
            default -> 16 + rnd.nextInt(64 * 1024 - 15);
        };
    }

    static byte[] bytes(SplittableRandom rnd, int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }
}
