package io.nbdcrypt.crypto;

/**
 * A passphrase (or key file content) that unlocks a keyslot: raw bytes, as cryptsetup takes
 * them, wiped on {@link #close()}.
 *
 * <p>Its own type so that it cannot be passed where a {@link VolumeKey} is expected, or the
 * reverse. Only a password KDF reads it ({@code PasswordKdf.derive}). Using a closed
 * passphrase throws {@link IllegalStateException}.
 */
public final class Passphrase extends TypedSecret {
    private Passphrase(SecretBytes secret) {
        super(secret);
    }

    /** Copies {@code passphrase}; the caller still owns (and should wipe) its array. */
    public static Passphrase copyOf(byte[] passphrase) {
        return new Passphrase(SecretBytes.copyOf(passphrase));
    }

    /** Takes ownership of {@code passphrase} without copying; the array is wiped on close. */
    public static Passphrase takeOwnership(byte[] passphrase) {
        return new Passphrase(SecretBytes.takeOwnership(passphrase));
    }

    /** Constant-time comparison (length is not secret), e.g. for "verify passphrase" prompts. */
    public boolean equalsConstantTime(Passphrase other) {
        return sameBytes(other);
    }

    @Override
    String kind() {
        return "Passphrase";
    }
}
