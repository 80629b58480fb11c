package io.nbdcrypt.block.auth;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-GCM through the JDK (its AVX-512 intrinsic), one message per call, with the 96-bit nonce
 * made from a 64-bit counter (little-endian, then four zero bytes) that the caller never
 * repeats under a key. The 16-byte tag is kept apart from the ciphertext, as the volume stores
 * them apart. Each call re-initialises the cipher: that is how the JDK takes a new nonce (it
 * allocates a few hundred bytes per call; the key schedule is kept across calls).
 */
final class Gcm {
    static final int TAG_BYTES = 16;
    static final int NONCE_BYTES = 12;
    static final VarHandle LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private Gcm() {}

    /**
     * Encrypts {@code len} bytes of {@code in} at {@code inOff} into {@code out} at {@code outOff}
     * (ciphertext then tag, {@code len + 16} bytes; must not overlap the input).
     */
    static void seal(Cipher c, Key key, byte[] nonce, long counter, byte[] aad, byte[] in, int inOff, int len, byte[] out,
            int outOff) {
        try {
            c.init(Cipher.ENCRYPT_MODE, key, spec(nonce, counter));
            c.updateAAD(aad);
            c.doFinal(in, inOff, len, out, outOff);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM encryption failed", e);
        }
    }

    /**
     * Decrypts ciphertext-then-tag ({@code len + 16} bytes at {@code in[inOff..]}) into
     * {@code out[outOff..]} (not overlapping). Returns false if the tag does not verify; the
     * output range is then zeroed, whatever the JDK left there.
     */
    static boolean open(Cipher c, Key key, byte[] nonce, long counter, byte[] aad, byte[] in, int inOff, int len, byte[] out,
            int outOff) {
        try {
            c.init(Cipher.DECRYPT_MODE, key, spec(nonce, counter));
            c.updateAAD(aad);
            c.doFinal(in, inOff, len + TAG_BYTES, out, outOff);
            return true;
        } catch (AEADBadTagException e) {
            Arrays.fill(out, outOff, outOff + len, (byte) 0);
            return false;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM decryption failed", e);
        }
    }

    /** Re-keys {@code c} with an all-zero key so it stops holding a real key's schedule. */
    static void forget(Cipher c) {
        try {
            c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(new byte[32], "AES"), new GCMParameterSpec(128, new byte[NONCE_BYTES]));
        } catch (GeneralSecurityException e) {
            // best effort: the cipher is dropped either way
        }
    }

    static Cipher newCipher() {
        try {
            return Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/GCM/NoPadding unavailable", e);
        }
    }

    private static GCMParameterSpec spec(byte[] nonce, long counter) {
        LE.set(nonce, 0, counter);
        return new GCMParameterSpec(8 * TAG_BYTES, nonce);
    }
}
