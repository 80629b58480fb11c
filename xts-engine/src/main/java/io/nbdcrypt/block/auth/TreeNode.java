package io.nbdcrypt.block.auth;

import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One resident node of the hash tree: its decrypted, verified payload, which the host cannot
 * touch while it is in memory. A leaf's payload is {@link AuthenticatedLayout#LEAF_FANOUT}
 * sector records (nonce counter, tag); a node above holds its children's nonces.
 *
 * <p>State, guarded by {@link #lock}: {@code nonce} is the nonce its current on-disk image has
 * (or will have: a dirty node was given a fresh nonce, recorded in its parent, when it turned
 * dirty), {@code dirty} whether the payload changed since that image was written, and
 * {@code retired} whether the node has left the tree's resident set (a holder that wants to
 * change it must fetch the node again). Readers may read entries without the lock
 * ({@link #entry} reads with acquire order): a torn or stale read makes the sector fail to
 * verify, and the caller then retries under the lock.
 */
final class TreeNode {
    private static final VarHandle LE = Gcm.LE;

    final int level;
    final long index;
    final byte[] payload;
    final ReentrantLock lock = new ReentrantLock();
    long nonce;
    boolean dirty;
    boolean retired;

    TreeNode(int level, long index, byte[] payload, long nonce) {
        this.level = level;
        this.index = index;
        this.payload = payload;
        this.nonce = nonce;
    }

    /** Cache key: level in the top byte, index below. */
    static long key(int level, long index) {
        return ((long) level << 56) | index;
    }

    long key() {
        return key(level, index);
    }

    /**
     * The 8-byte little-endian value at {@code byteOffset}: a child's nonce, or a sector record's
     * nonce. Acquire order by a fence (byte-array views take plain access only): what is read
     * after it is at least as new.
     */
    long entry(int byteOffset) {
        long v = (long) LE.get(payload, byteOffset);
        VarHandle.acquireFence();
        return v;
    }

    /** Sets an 8-byte value (under {@link #lock}), after everything written before it (release fence). */
    void setEntry(int byteOffset, long value) {
        VarHandle.releaseFence();
        LE.set(payload, byteOffset, value);
    }

    /** Nonce of child {@code slot} of an inner node (or of the root's top-level node). */
    long childNonce(int slot) {
        return entry(8 * slot);
    }

    @Override
    public String toString() {
        return "TreeNode[level " + level + ", index " + index + "]";
    }
}
