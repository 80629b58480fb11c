package io.nbdcrypt.crypto.kdf;

import java.util.Locale;
import org.bouncycastle.crypto.Digest;
import org.bouncycastle.crypto.digests.SHA1Digest;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.digests.SHA512Digest;

/**
 * The hash functions LUKS uses for PBKDF2, AF diffusion and header checksums, by the names
 * cryptsetup writes ({@code sha1}, {@code sha256}, {@code sha512}).
 *
 * <p>Anything else is refused by {@link #byName(String)} with {@link IllegalArgumentException}:
 * a hostile header must not be able to pick a hash we did not mean to support.
 */
public enum HashAlgorithm {
    SHA1("sha1", 20),
    SHA256("sha256", 32),
    SHA512("sha512", 64);

    private final String luksName;
    private final int length;

    HashAlgorithm(String luksName, int length) {
        this.luksName = luksName;
        this.length = length;
    }

    /** The name as cryptsetup writes it. */
    public String luksName() {
        return luksName;
    }

    /** Digest length in bytes. */
    public int length() {
        return length;
    }

    /** A fresh Bouncy Castle digest (not thread-safe; one per use). */
    public Digest newDigest() {
        return switch (this) {
            case SHA1 -> new SHA1Digest();
            case SHA256 -> new SHA256Digest();
            case SHA512 -> new SHA512Digest();
        };
    }

    /**
     * The algorithm cryptsetup calls {@code name} (case-insensitive, as cryptsetup's crypto
     * backends are).
     *
     * @throws IllegalArgumentException for any other name
     */
    public static HashAlgorithm byName(String name) {
        String n = name == null ? "" : name.toLowerCase(Locale.ROOT);
        for (HashAlgorithm h : values()) {
            if (h.luksName.equals(n)) {
                return h;
            }
        }
        throw new IllegalArgumentException("unsupported hash '" + name + "' (supported: sha1, sha256, sha512)");
    }

    @Override
    public String toString() {
        return luksName;
    }
}
