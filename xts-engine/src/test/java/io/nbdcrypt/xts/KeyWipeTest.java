package io.nbdcrypt.xts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nbdcrypt.crypto.SecretBytes;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.util.SplittableRandom;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * Closing a cipher wipes its own copies of the key, on the bytes: the {@link RawAesKey} arrays,
 * every pooled worker's scratch and bounce arrays, and the key schedule inside the worker's JCE
 * ciphers (checked by what they compute afterwards: AES under an all-zero key). Each test first
 * checks that the bytes it looks at held something, so it watches the arrays the cipher used.
 */
class KeyWipeTest {
    private static final long SEED = Long.getLong("xts.seed", System.nanoTime());

    @Test
    void destroy_rawAesKey_zeroesItsBytes() {
        byte[] source = bytes(32, 1);
        RawAesKey key = new RawAesKey(source, 0, 32);
        byte[] inside = (byte[]) field(key, "key");
        assertArrayEquals(source, inside);
        key.destroy();
        assertAllZero(inside, "RawAesKey bytes");
        assertTrue(key.isDestroyed());
    }

    @Test
    void close_xtsCipher_zeroesKeyCopiesScratchAndRekeysPooledCiphers() throws Exception {
        XtsCipher xts = XtsCipher.create(SecretBytes.copyOf(bytes(64, 2)));
        // A direct buffer: the bytes pass through the worker's bounce array as well as its scratch.
        ByteBuffer buf = ByteBuffer.allocateDirect(8192).put(0, bytes(8192, 3));
        new SectorCipher(xts, 4096, IvRule.dmCrypt(IvMode.PLAIN64, 0)).encrypt(buf, 5);
        xts.encrypt(new byte[16], bytes(40, 8), 0, 40); // ciphertext stealing: the block scratch too
        XtsWorker pooled = (XtsWorker) xts.borrow(); // the one the call used: one thread, its home slot
        byte[][] scratch = xtsScratch(pooled);
        for (byte[] a : scratch) {
            assertFalse(isAllZero(a), "the encryption left bytes in the scratch this test watches");
        }
        assertFalse(isAllZero(longsAsBytes((long[]) field(pooled, "stream"))), "the tweak stream held bytes");
        assertFalse(encryptsLikeZeroKey(pooled.dataEnc, 32), "the worker holds K1's schedule before close");
        xts.release(pooled);
        RawAesKey k1 = (RawAesKey) field(xts, "dataKey");
        RawAesKey k2 = (RawAesKey) field(xts, "tweakKey");

        xts.close();

        assertAllZero((byte[]) field(k1, "key"), "K1 copy");
        assertAllZero((byte[]) field(k2, "key"), "K2 copy");
        for (byte[] a : xtsScratch(pooled)) {
            assertAllZero(a, "worker scratch");
        }
        assertAllZero(longsAsBytes((long[]) field(pooled, "stream")), "tweak stream");
        assertTrue(encryptsLikeZeroKey(pooled.dataEnc, 32), "data encryption cipher re-keyed");
        assertTrue(encryptsLikeZeroKey(pooled.tweakEnc, 32), "tweak cipher re-keyed");
    }

    /** A lane still out when the cipher closes is wiped when it comes back. */
    @Test
    void release_laneAfterClose_isWiped() {
        XtsCipher xts = XtsCipher.create(SecretBytes.copyOf(bytes(64, 4)));
        XtsWorker out = (XtsWorker) xts.borrow();
        System.arraycopy(bytes(out.bounce.length, 5), 0, out.bounce, 0, out.bounce.length);
        xts.close();
        assertFalse(isAllZero(out.bounce));
        xts.release(out);
        assertAllZero(out.bounce, "bounce of a lane returned after close");
    }

    @Test
    void close_cbcEssivCipher_zeroesKeyCopiesScratchAndRekeysPooledCiphers() throws Exception {
        CbcEssivCipher cbc = CbcEssivCipher.create(SecretBytes.copyOf(bytes(32, 6)));
        ByteBuffer buf = ByteBuffer.allocateDirect(4096).put(0, bytes(4096, 7));
        SectorCipher.cbcEssiv(cbc, 512, IvRule.dmCrypt(IvMode.PLAIN64, 0)).decrypt(buf, 9);
        CbcEssivCipher.Worker pooled = (CbcEssivCipher.Worker) cbc.borrow();
        byte[][] scratch = {pooled.ivs, pooled.essivs, pooled.sector, pooled.bounce};
        for (byte[] a : scratch) {
            assertFalse(isAllZero(a), "the decryption left bytes in the scratch this test watches");
        }
        assertFalse(encryptsLikeZeroKey(pooled.essiv, 32), "the worker holds the ESSIV key's schedule before close");
        assertFalse(cbcDecryptsLikeZeroKey(pooled.dec, 32), "the worker holds the data key's schedule before close");
        cbc.release(pooled);
        RawAesKey data = (RawAesKey) field(cbc, "dataKey");
        RawAesKey essiv = (RawAesKey) field(cbc, "essivKey");

        cbc.close();

        assertAllZero((byte[]) field(data, "key"), "data key copy");
        assertAllZero((byte[]) field(essiv, "key"), "ESSIV key copy");
        for (byte[] a : scratch) {
            assertAllZero(a, "worker scratch");
        }
        assertTrue(encryptsLikeZeroKey(pooled.essiv, 32), "ESSIV cipher re-keyed");
        assertTrue(cbcDecryptsLikeZeroKey(pooled.dec, 32), "CBC cipher re-keyed");
    }

    private static byte[][] xtsScratch(XtsWorker w) {
        return new byte[][] {w.ivs, w.tweaks, w.bounce, w.block, (byte[]) field(w, "aesOut")};
    }

    /** Whether {@code ecb} (AES/ECB, encrypting) maps a zero block as AES under an all-zero key of {@code keyBytes} does. */
    private static boolean encryptsLikeZeroKey(Cipher ecb, int keyBytes) throws GeneralSecurityException {
        byte[] got = new byte[16];
        ecb.update(new byte[16], 0, 16, got, 0);
        Cipher ref = Cipher.getInstance("AES/ECB/NoPadding");
        ref.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(new byte[keyBytes], "AES"));
        return java.util.Arrays.equals(got, ref.doFinal(new byte[16]));
    }

    private static boolean cbcDecryptsLikeZeroKey(Cipher cbc, int keyBytes) throws GeneralSecurityException {
        byte[] got = cbc.doFinal(new byte[16]);
        Cipher ref = Cipher.getInstance("AES/CBC/NoPadding");
        ref.init(Cipher.DECRYPT_MODE, new SecretKeySpec(new byte[keyBytes], "AES"), new IvParameterSpec(new byte[16]));
        return java.util.Arrays.equals(got, ref.doFinal(new byte[16]));
    }

    private static Object field(Object o, String name) {
        try {
            Field f = o.getClass().getDeclaredField(name);
            f.setAccessible(true);
            return f.get(o);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("no field " + name + " in " + o.getClass(), e);
        }
    }

    private static byte[] longsAsBytes(long[] longs) {
        ByteBuffer b = ByteBuffer.allocate(longs.length * 8);
        b.asLongBuffer().put(longs);
        return b.array();
    }

    private static byte[] bytes(int n, int salt) {
        return XtsCipherPropertyTest.bytes(new SplittableRandom(SEED + salt), n);
    }

    private static boolean isAllZero(byte[] a) {
        for (byte b : a) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private static void assertAllZero(byte[] a, String what) {
        assertTrue(isAllZero(a), what + " still holds bytes after close");
    }
}
