package io.nbdcrypt.block;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A small lock-free pool of equal-sized heap buffers, so the encrypting write path does not
 * allocate per request. Heap (not direct) on purpose: the sector cipher works on heap arrays
 * in place, and the JDK copies heap buffers into its own cached direct buffer for the
 * system call anyway. When every slot is taken a fresh buffer is made (and dropped on
 * release if the pool is full), so borrowing never blocks.
 */
final class ScratchBuffers {
    private final int capacity;
    private final AtomicReferenceArray<ByteBuffer> slots;

    ScratchBuffers(int capacity, int slots) {
        this.capacity = capacity;
        this.slots = new AtomicReferenceArray<>(slots);
    }

    int capacity() {
        return capacity;
    }

    /** A cleared buffer of {@link #capacity()} bytes. */
    ByteBuffer borrow() {
        int n = slots.length();
        int start = (int) (Thread.currentThread().threadId() % n);
        for (int i = 0; i < n; i++) {
            int s = (start + i) % n;
            ByteBuffer b = slots.get(s);
            if (b != null && slots.compareAndSet(s, b, null)) {
                return b.clear();
            }
        }
        return ByteBuffer.allocate(capacity);
    }

    /** Returns a buffer. Callers zero any plaintext they leave in it first (ciphertext may stay). */
    void release(ByteBuffer b) {
        int n = slots.length();
        int start = (int) (Thread.currentThread().threadId() % n);
        for (int i = 0; i < n; i++) {
            int s = (start + i) % n;
            if (slots.get(s) == null && slots.compareAndSet(s, null, b)) {
                return;
            }
        }
    }
}
