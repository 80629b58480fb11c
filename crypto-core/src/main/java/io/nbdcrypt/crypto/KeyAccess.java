package io.nbdcrypt.crypto;

/**
 * Token that must be passed to read secret bytes out of a {@link SecretBytes}.
 *
 * <p>It guards nothing at run time; it exists so that every place that touches raw key
 * material can be found with {@code grep -r KeyAccess}. Reviewers: each caller must wipe
 * the copy it gets.
 */
public final class KeyAccess {
    private static final KeyAccess INSTANCE = new KeyAccess();

    private KeyAccess() {}

    /** The access token. Call sites are the audit list of code that sees raw keys. */
    public static KeyAccess get() {
        return INSTANCE;
    }
}
