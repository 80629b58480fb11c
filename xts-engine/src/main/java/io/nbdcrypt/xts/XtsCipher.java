package io.nbdcrypt.xts;

import io.nbdcrypt.crypto.KeyAccess;
import io.nbdcrypt.crypto.SecretBytes;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-XTS (IEEE 1619-2007) over one data unit at a time, in place.
 *
 * <p>The key is K1 || K2 (32 bytes: XTS-AES-128, 64 bytes: XTS-AES-256); K1 encrypts data,
 * K2 encrypts the tweak. K1 == K2 is refused, as IEEE 1619 and FIPS require. Data units of
 * any length &ge; 16 bytes are accepted; lengths that are not a multiple of 16 use ciphertext
 * stealing.
 *
 * <p>Thread-safe: each thread uses its own JCE cipher instances (JCE ciphers are not
 * shareable), so request threads need no lock. {@link #close()} drops the key; the JCE's
 * expanded key schedule cannot be wiped from outside and is left to the garbage collector.
 */
public final class XtsCipher implements AutoCloseable {
    static final int BLOCK = 16;

    private final SecretKeySpec dataKey;
    private final SecretKeySpec tweakKey;
    private final int keyBytes;
    private final ThreadLocal<Ciphers> ciphers;
    private volatile boolean closed;

    private XtsCipher(SecretKeySpec dataKey, SecretKeySpec tweakKey, int keyBytes) {
        this.dataKey = dataKey;
        this.tweakKey = tweakKey;
        this.keyBytes = keyBytes;
        this.ciphers = ThreadLocal.withInitial(this::newCiphers);
    }

    /**
     * Builds a cipher from the XTS key K1 || K2.
     *
     * @throws IllegalArgumentException if the key is not 32 or 64 bytes, or K1 == K2
     */
    public static XtsCipher create(SecretBytes key) {
        int len = key.length();
        if (len != 32 && len != 64) {
            throw new IllegalArgumentException("XTS key must be 32 or 64 bytes (XTS-AES-128/256), got " + len);
        }
        byte[] raw = key.copyBytes(KeyAccess.get());
        try {
            int half = len / 2;
            byte[] k1 = java.util.Arrays.copyOfRange(raw, 0, half);
            byte[] k2 = java.util.Arrays.copyOfRange(raw, half, len);
            try {
                if (MessageDigest.isEqual(k1, k2)) {
                    throw new IllegalArgumentException("XTS key halves K1 and K2 are equal (refused by IEEE 1619 / FIPS 140)");
                }
                return new XtsCipher(new SecretKeySpec(k1, "AES"), new SecretKeySpec(k2, "AES"), len);
            } finally {
                SecretBytes.wipe(k1);
                SecretBytes.wipe(k2);
            }
        } finally {
            SecretBytes.wipe(raw);
        }
    }

    /** Key length in bytes (32 or 64). */
    public int keyBytes() {
        return keyBytes;
    }

    /** Encrypts {@code len} bytes of {@code data} at {@code off} in place; {@code tweak} is the 16-byte IV. */
    public void encrypt(byte[] tweak, byte[] data, int off, int len) {
        crypt(tweak, data, off, len, true);
    }

    /** Decrypts {@code len} bytes of {@code data} at {@code off} in place; {@code tweak} is the 16-byte IV. */
    public void decrypt(byte[] tweak, byte[] data, int off, int len) {
        crypt(tweak, data, off, len, false);
    }

    @Override
    public void close() {
        closed = true;
    }

    @Override
    public String toString() {
        return "XtsCipher[XTS-AES-" + (keyBytes * 4) + "]";
    }

    private void crypt(byte[] tweakIn, byte[] data, int off, int len, boolean encrypt) {
        if (closed) {
            throw new IllegalStateException("XtsCipher is closed");
        }
        if (tweakIn.length != BLOCK) {
            throw new IllegalArgumentException("tweak must be 16 bytes, got " + tweakIn.length);
        }
        if (len < BLOCK) {
            throw new IllegalArgumentException("XTS data unit must be at least 16 bytes, got " + len);
        }
        java.util.Objects.checkFromIndexSize(off, len, data.length);
        Ciphers c = ciphers.get();
        try {
            byte[] t = c.tweak;
            c.tweakEnc.doFinal(tweakIn, 0, BLOCK, t, 0);
            Cipher block = encrypt ? c.dataEnc : c.dataDec;
            int full = len / BLOCK;
            int tail = len % BLOCK;
            // With stealing, the last full block is handled together with the tail.
            int plainBlocks = tail == 0 ? full : full - 1;
            int p = off;
            for (int i = 0; i < plainBlocks; i++, p += BLOCK) {
                xexBlock(block, t, data, p, c.scratch);
                multiplyByAlpha(t);
            }
            if (tail != 0) {
                stealCiphertext(block, t, data, p, tail, encrypt, c);
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES failed", e);
        }
    }

    /** Ciphertext stealing over the last full block at {@code p} and the {@code tail} bytes after it. */
    private static void stealCiphertext(Cipher block, byte[] t, byte[] data, int p, int tail, boolean encrypt, Ciphers c)
            throws GeneralSecurityException {
        byte[] tNext = c.tweak2;
        System.arraycopy(t, 0, tNext, 0, BLOCK);
        multiplyByAlpha(tNext);
        // Encryption uses T_m-1 then T_m; decryption applies them in the opposite order.
        byte[] first = encrypt ? t : tNext;
        byte[] second = encrypt ? tNext : t;
        // Step 1: the last full block under the first tweak gives R.
        xexBlock(block, first, data, p, c.scratch);
        byte[] tailBytes = c.scratch2;
        System.arraycopy(data, p + BLOCK, tailBytes, 0, tail);
        // The head of R becomes the final partial block; the saved tail bytes replace it in R.
        System.arraycopy(data, p, data, p + BLOCK, tail);
        System.arraycopy(tailBytes, 0, data, p, tail);
        // Step 2: that block under the second tweak is the last full output block.
        xexBlock(block, second, data, p, c.scratch);
    }

    private static void xexBlock(Cipher block, byte[] t, byte[] data, int p, byte[] scratch) throws GeneralSecurityException {
        for (int i = 0; i < BLOCK; i++) {
            scratch[i] = (byte) (data[p + i] ^ t[i]);
        }
        block.doFinal(scratch, 0, BLOCK, scratch, 0);
        for (int i = 0; i < BLOCK; i++) {
            data[p + i] = (byte) (scratch[i] ^ t[i]);
        }
    }

    /** Tweak times alpha in GF(2^128), little-endian bytes, reduction polynomial x^128+x^7+x^2+x+1. */
    static void multiplyByAlpha(byte[] t) {
        int carry = 0;
        for (int i = 0; i < BLOCK; i++) {
            int b = t[i] & 0xff;
            t[i] = (byte) ((b << 1) | carry);
            carry = b >>> 7;
        }
        if (carry != 0) {
            t[0] ^= (byte) 0x87;
        }
    }

    private Ciphers newCiphers() {
        try {
            return new Ciphers(dataKey, tweakKey);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/ECB/NoPadding unavailable", e);
        }
    }

    /** One thread's JCE instances and scratch blocks. */
    private static final class Ciphers {
        final Cipher dataEnc = Cipher.getInstance("AES/ECB/NoPadding");
        final Cipher dataDec = Cipher.getInstance("AES/ECB/NoPadding");
        final Cipher tweakEnc = Cipher.getInstance("AES/ECB/NoPadding");
        final byte[] tweak = new byte[BLOCK];
        final byte[] tweak2 = new byte[BLOCK];
        final byte[] scratch = new byte[BLOCK];
        final byte[] scratch2 = new byte[BLOCK];

        Ciphers(SecretKeySpec dataKey, SecretKeySpec tweakKey) throws GeneralSecurityException {
            dataEnc.init(Cipher.ENCRYPT_MODE, dataKey);
            dataDec.init(Cipher.DECRYPT_MODE, dataKey);
            tweakEnc.init(Cipher.ENCRYPT_MODE, tweakKey);
        }
    }
}
