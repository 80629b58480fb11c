package io.nbdcrypt.block.auth;

import static io.nbdcrypt.block.auth.AuthenticatedLayout.NODE_BYTES;
import static io.nbdcrypt.block.auth.AuthenticatedLayout.PAYLOAD_BYTES;

import io.nbdcrypt.xts.RawAesKey;
import io.nbdcrypt.xts.WorkerPool;
import java.util.Arrays;
import javax.crypto.Cipher;

/**
 * A tree node's on-disk image: its payload under AES-256-GCM with the session's node key, the
 * node's nonce (from its parent) as the nonce and its position (level, index) as associated
 * data; then the nonce (plaintext, only to tell a replayed image from a damaged one in the log)
 * and the tag. So an image verifies only at its own position and only with the nonce the
 * parent holds now; and the metadata hides which sectors were written how often.
 *
 * <p>Thread-safe (a pooled cipher per call). {@link #close()} re-keys the pooled ciphers.
 */
final class NodeSealer implements AutoCloseable {
    private static final int NONCE_AT = PAYLOAD_BYTES;
    private static final int TAG_AT = PAYLOAD_BYTES + 8;

    private final RawAesKey key;
    private final WorkerPool<Scratch> pool = new WorkerPool<>("NodeSealer", Scratch::new, Scratch::wipe);

    NodeSealer(RawAesKey key) {
        this.key = key;
    }

    /** Writes the image of {@code payload} (level, index, nonce) into {@code image} (4096 bytes). */
    void seal(int level, long index, long nonce, byte[] payload, byte[] image) {
        Scratch s = pool.borrow();
        try {
            Gcm.seal(s.cipher, key, s.nonce, nonce, s.aad(level, index), payload, 0, PAYLOAD_BYTES, s.out, 0);
            System.arraycopy(s.out, 0, image, 0, PAYLOAD_BYTES);
            Gcm.LE.set(image, NONCE_AT, nonce);
            System.arraycopy(s.out, PAYLOAD_BYTES, image, TAG_AT, Gcm.TAG_BYTES);
        } finally {
            pool.release(s);
        }
    }

    /**
     * Decrypts and verifies {@code image} as node (level, index) with the nonce its parent
     * holds, into {@code payload}. Returns false if it does not verify.
     */
    boolean open(int level, long index, long nonce, byte[] image, byte[] payload) {
        Scratch s = pool.borrow();
        try {
            System.arraycopy(image, 0, s.out, 0, PAYLOAD_BYTES);
            System.arraycopy(image, TAG_AT, s.out, PAYLOAD_BYTES, Gcm.TAG_BYTES);
            return Gcm.open(s.cipher, key, s.nonce, nonce, s.aad(level, index), s.out, 0, PAYLOAD_BYTES, payload, 0);
        } finally {
            pool.release(s);
        }
    }

    /** The nonce an image says it has: not trusted, only for telling "replayed" from "damaged". */
    static long claimedNonce(byte[] image) {
        return (long) Gcm.LE.get(image, NONCE_AT);
    }

    @Override
    public void close() {
        pool.close();
    }

    /** A cipher with its nonce and AAD buffers, and room for ciphertext-then-tag. */
    private static final class Scratch {
        final Cipher cipher = Gcm.newCipher();
        final byte[] nonce = new byte[Gcm.NONCE_BYTES];
        private final byte[] aad = new byte[16];
        final byte[] out = new byte[NODE_BYTES];

        /** "node", level, index: a node's position, and never a sector's (their AAD is 8 bytes). */
        byte[] aad(int level, long index) {
            Gcm.LE.set(aad, 0, 0x65646f6eL | ((long) level << 32)); // "node" + level
            Gcm.LE.set(aad, 8, index);
            return aad;
        }

        void wipe() {
            Arrays.fill(out, (byte) 0);
            Gcm.forget(cipher);
        }
    }
}
