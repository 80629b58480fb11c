package io.nbdcrypt.crypto.af;

import io.nbdcrypt.crypto.KeyAccess;
import io.nbdcrypt.crypto.SecretBytes;
import io.nbdcrypt.crypto.VolumeKey;
import io.nbdcrypt.crypto.kdf.HashAlgorithm;
import java.security.SecureRandom;
import org.bouncycastle.crypto.Digest;

/**
 * The LUKS anti-forensic information splitter ({@code af.type} "luks1"): a key of
 * {@code n} bytes becomes {@code stripes} blocks of {@code n} bytes, all of which are needed
 * to get it back, so destroying any part of a keyslot area destroys the key.
 *
 * <p>Diffusion follows cryptsetup's {@code lib/luks1/af.c}: the block is cut into
 * digest-sized pieces; piece {@code i} becomes the first bytes of
 * {@code hash(be32(i) || piece)}. Split material is secret (with the keyslot key it gives the
 * volume key): callers wipe the arrays these methods return or fill.
 */
public final class AfSplitter {
    private AfSplitter() {}

    /** Bytes of split material for a key of {@code keyLength} and {@code stripes}. */
    public static int splitLength(int keyLength, int stripes) {
        return Math.multiplyExact(keyLength, stripes);
    }

    /** Splits {@code key} into {@code stripes} blocks (random from {@code random}). */
    public static byte[] split(VolumeKey key, int stripes, HashAlgorithm hash, SecureRandom random) {
        int n = key.length();
        checkStripes(stripes);
        byte[] out = new byte[splitLength(n, stripes)];
        byte[] acc = new byte[n];
        byte[] k = key.copyBytes(KeyAccess.get());
        try {
            random.nextBytes(out);
            for (int s = 0; s < stripes - 1; s++) {
                xorInto(acc, out, s * n, n);
                diffuse(acc, hash);
            }
            int last = (stripes - 1) * n;
            for (int i = 0; i < n; i++) {
                out[last + i] = (byte) (k[i] ^ acc[i]);
            }
            return out;
        } finally {
            SecretBytes.wipe(k);
            SecretBytes.wipe(acc);
        }
    }

    /**
     * Recovers a {@code keyLength}-byte key from {@code material} (at least
     * {@code keyLength * stripes} bytes): a candidate, right only if the key digest says so.
     */
    public static VolumeKey merge(byte[] material, int keyLength, int stripes, HashAlgorithm hash) {
        checkStripes(stripes);
        if (keyLength <= 0 || material.length < splitLength(keyLength, stripes)) {
            throw new IllegalArgumentException("AF material of " + material.length + " bytes is too short for "
                    + stripes + " stripes of " + keyLength + " bytes");
        }
        byte[] acc = new byte[keyLength];
        for (int s = 0; s < stripes - 1; s++) {
            xorInto(acc, material, s * keyLength, keyLength);
            diffuse(acc, hash);
        }
        xorInto(acc, material, (stripes - 1) * keyLength, keyLength);
        return VolumeKey.takeOwnership(acc);
    }

    private static void checkStripes(int stripes) {
        if (stripes < 1) {
            throw new IllegalArgumentException("AF stripes must be >= 1, got " + stripes);
        }
    }

    private static void xorInto(byte[] acc, byte[] src, int off, int n) {
        for (int i = 0; i < n; i++) {
            acc[i] ^= src[off + i];
        }
    }

    /** In-place diffusion of {@code block} with {@code hash}, piece by piece. */
    static void diffuse(byte[] block, HashAlgorithm hash) {
        Digest d = hash.newDigest();
        int ds = hash.length();
        byte[] out = new byte[ds];
        byte[] iv = new byte[4];
        for (int i = 0, off = 0; off < block.length; i++, off += ds) {
            int len = Math.min(ds, block.length - off);
            iv[0] = (byte) (i >>> 24);
            iv[1] = (byte) (i >>> 16);
            iv[2] = (byte) (i >>> 8);
            iv[3] = (byte) i;
            d.update(iv, 0, 4);
            d.update(block, off, len);
            d.doFinal(out, 0);
            System.arraycopy(out, 0, block, off, len);
        }
        SecretBytes.wipe(out);
    }
}
