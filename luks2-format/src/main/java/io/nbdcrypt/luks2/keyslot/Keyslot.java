package io.nbdcrypt.luks2.keyslot;

import io.nbdcrypt.crypto.kdf.HashAlgorithm;
import io.nbdcrypt.crypto.kdf.KdfParameters;
import io.nbdcrypt.luks.common.KeyMaterialCipher;

/**
 * A validated LUKS2 keyslot of type {@code luks2}: where its split key material lives and how
 * to derive the key that decrypts it. Holds no secret (the salt is public).
 *
 * @param keySize      volume key length in bytes
 * @param priority     0 ignore, 1 normal, 2 prefer
 * @param stripes      AF stripes (4000)
 * @param afHash       AF diffusion hash
 * @param areaOffset   byte offset of the key material in the header device
 * @param areaSize     bytes reserved for it
 * @param areaCipher   encryption of the key material (allow-listed)
 * @param areaKeySize  key length for {@code areaCipher}, also the KDF output length
 */
public record Keyslot(int id, int keySize, int priority, int stripes, HashAlgorithm afHash, long areaOffset,
        long areaSize, KeyMaterialCipher areaCipher, int areaKeySize, KdfParameters kdf, byte[] kdfSalt) {

    public static final int PRIORITY_IGNORE = 0;
    public static final int PRIORITY_NORMAL = 1;
    public static final int PRIORITY_PREFER = 2;

    public Keyslot {
        kdfSalt = kdfSalt.clone();
    }

    @Override
    public byte[] kdfSalt() {
        return kdfSalt.clone();
    }

    /** Bytes of AF material: key size times stripes, rounded up to 512-byte sectors. */
    public long materialLength() {
        return materialLength(keySize, stripes);
    }

    public static long materialLength(int keySize, int stripes) {
        long raw = (long) keySize * stripes;
        return (raw + 511) / 512 * 512;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Keyslot k && id == k.id && keySize == k.keySize && priority == k.priority
                && stripes == k.stripes && afHash == k.afHash && areaOffset == k.areaOffset && areaSize == k.areaSize
                && areaCipher.equals(k.areaCipher) && areaKeySize == k.areaKeySize && kdf.equals(k.kdf)
                && java.util.Arrays.equals(kdfSalt, k.kdfSalt);
    }

    @Override
    public int hashCode() {
        return id * 31 + Long.hashCode(areaOffset);
    }

    @Override
    public String toString() {
        return "Keyslot[" + id + ", " + kdf + ", area " + areaOffset + "+" + areaSize + " " + areaCipher + "]";
    }
}
