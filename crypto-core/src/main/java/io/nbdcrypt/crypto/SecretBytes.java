package io.nbdcrypt.crypto;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * Secret key material that wipes itself on {@link #close()}.
 *
 * <p>No {@code equals}/{@code hashCode} (they would leak through timing and collections);
 * {@link #toString()} shows only the length. Reading the bytes needs a {@link KeyAccess}
 * and yields a copy the caller must wipe ({@link #wipe(byte[])}). Using a closed instance
 * throws {@link IllegalStateException}.
 */
public final class SecretBytes implements AutoCloseable {
    private final byte[] bytes;
    private volatile boolean closed;

    private SecretBytes(byte[] bytes) {
        this.bytes = bytes;
    }

    /** Copies {@code key}; the caller still owns (and should wipe) its array. */
    public static SecretBytes copyOf(byte[] key) {
        return new SecretBytes(key.clone());
    }

    /** Copies {@code len} bytes of {@code key} from {@code off}. */
    public static SecretBytes copyOf(byte[] key, int off, int len) {
        return new SecretBytes(Arrays.copyOfRange(key, off, off + len));
    }

    /** Takes ownership of {@code key} without copying; the array is wiped on close. */
    public static SecretBytes takeOwnership(byte[] key) {
        return new SecretBytes(key);
    }

    /** Fresh random bytes from {@code random} (use a {@link SecureRandom}). */
    public static SecretBytes random(int length, SecureRandom random) {
        byte[] b = new byte[length];
        random.nextBytes(b);
        return new SecretBytes(b);
    }

    public int length() {
        return bytes.length;
    }

    /** A copy of the secret; wipe it with {@link #wipe(byte[])} when done. */
    public byte[] copyBytes(KeyAccess access) {
        ensureOpen();
        return bytes.clone();
    }

    /** A copy of {@code len} bytes from {@code off}; wipe it when done. */
    public byte[] copyBytes(KeyAccess access, int off, int len) {
        ensureOpen();
        return Arrays.copyOfRange(bytes, off, off + len);
    }

    /** Constant-time comparison (length is not secret). */
    public boolean equalsConstantTime(SecretBytes other) {
        ensureOpen();
        other.ensureOpen();
        return MessageDigest.isEqual(bytes, other.bytes);
    }

    public boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        closed = true;
        wipe(bytes);
    }

    @Override
    public String toString() {
        return "SecretBytes[" + bytes.length + " bytes" + (closed ? ", wiped]" : "]");
    }

    /** Zeroes {@code a} (null-safe). */
    public static void wipe(byte[] a) {
        if (a != null) {
            Arrays.fill(a, (byte) 0);
        }
    }

    /**
     * The array itself, not a copy: only for tests in this package that check {@link #close()}
     * zeroes what it holds. Never call this from production code.
     */
    byte[] insecureBackingArrayForTests() {
        return bytes;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("secret was already wiped");
        }
    }
}
