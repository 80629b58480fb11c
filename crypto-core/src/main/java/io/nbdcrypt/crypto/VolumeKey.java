package io.nbdcrypt.crypto;

import java.security.SecureRandom;

/**
 * The key of an encrypted volume's data (for LUKS, the "volume key" or "master key" that the
 * keyslots hold): the one secret that decrypts every sector. Wiped on {@link #close()}.
 *
 * <p>Its own type so that it cannot be passed where a {@link Passphrase} is expected, or the
 * reverse. Hand it to a cipher with {@code XtsCipher.create(key.secretBytes(KeyAccess.get()))}.
 * Using a closed key throws {@link IllegalStateException}.
 */
public final class VolumeKey extends TypedSecret {
    private VolumeKey(SecretBytes secret) {
        super(secret);
    }

    /** A fresh random key of {@code length} bytes (use a {@link SecureRandom}). */
    public static VolumeKey random(int length, SecureRandom random) {
        return new VolumeKey(SecretBytes.random(length, random));
    }

    /** Copies {@code key}; the caller still owns (and should wipe) its array. */
    public static VolumeKey copyOf(byte[] key) {
        return new VolumeKey(SecretBytes.copyOf(key));
    }

    /** Takes ownership of {@code key} without copying; the array is wiped on close. */
    public static VolumeKey takeOwnership(byte[] key) {
        return new VolumeKey(SecretBytes.takeOwnership(key));
    }

    /** Constant-time comparison (length is not secret). */
    public boolean equalsConstantTime(VolumeKey other) {
        return sameBytes(other);
    }

    @Override
    String kind() {
        return "VolumeKey";
    }
}
