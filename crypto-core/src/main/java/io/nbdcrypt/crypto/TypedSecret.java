package io.nbdcrypt.crypto;

/**
 * The common body of the purpose-typed key holders ({@link VolumeKey}, {@link Passphrase}):
 * each wraps one {@link SecretBytes} and wipes it on {@link #close()}.
 *
 * <p>Why one type per purpose (as Tink has one key class per primitive): a method that takes
 * a volume key and a passphrase takes a {@code VolumeKey} and a {@code Passphrase}, so passing
 * them the other way round does not compile. Nothing accepts a {@code TypedSecret} itself;
 * it only keeps the two holders from repeating each other. No {@code equals}/{@code hashCode};
 * {@link #toString()} shows the kind and the length only.
 */
public abstract sealed class TypedSecret implements AutoCloseable permits VolumeKey, Passphrase {
    private final SecretBytes secret;

    TypedSecret(SecretBytes secret) {
        this.secret = secret;
    }

    /** Length in bytes (not secret). */
    public final int length() {
        return secret.length();
    }

    /** A copy of the secret; wipe it with {@link SecretBytes#wipe(byte[])} when done. */
    public final byte[] copyBytes(KeyAccess access) {
        return secret.copyBytes(access);
    }

    /**
     * The holder inside, for APIs that take any secret (a cipher's {@code create}, a KDF). It
     * stays owned by this object: do not close it, and do not keep it past this object's life.
     *
     * @throws IllegalStateException if this secret was closed
     */
    public final SecretBytes secretBytes(KeyAccess access) {
        if (secret.isClosed()) {
            throw new IllegalStateException(kind() + " was already wiped");
        }
        return secret;
    }

    public final boolean isClosed() {
        return secret.isClosed();
    }

    /** Wipes the bytes. Idempotent. */
    @Override
    public final void close() {
        secret.close();
    }

    /** Constant-time comparison with another secret of the same purpose (length is not secret). */
    final boolean sameBytes(TypedSecret other) {
        return secret.equalsConstantTime(other.secret);
    }

    abstract String kind();

    @Override
    public final String toString() {
        return kind() + "[" + length() + " bytes" + (isClosed() ? ", wiped]" : "]");
    }
}
