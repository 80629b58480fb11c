package io.nbdcrypt.xts;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A small lock-free pool of per-call workers (JCE ciphers plus scratch buffers, which are not
 * shareable between threads). Borrowing never blocks: with no free worker a new one is made.
 * After {@link #close()} every worker, pooled or returned later, is handed to {@code retire}
 * (which wipes it) and borrowing fails. Public for the block layer's scratch buffers; not an
 * API of nbdcrypt's engine.
 */
public final class WorkerPool<W> {
    /** Array elements between two slots, so that each slot has a cache line of its own. */
    private static final int STRIDE = 32;

    private static final AtomicInteger NEXT_HOME = new AtomicInteger();
    private static final ThreadLocal<Integer> HOME = ThreadLocal.withInitial(() -> NEXT_HOME.getAndIncrement() & Integer.MAX_VALUE);

    /**
     * Room for the server's request threads (2 per core by default) and the common pool's
     * threads that run split parts, each at its own home slot. A slot costs a reference, not a
     * worker: workers are made only when a borrow finds none free.
     */
    private final int slotCount = Math.max(8, 4 * Runtime.getRuntime().availableProcessors());
    private final AtomicReferenceArray<W> slots = new AtomicReferenceArray<>(slotCount * STRIDE);
    private final String owner;
    private final Supplier<W> factory;
    private final Consumer<W> retire;
    private volatile boolean closed;

    /** @param owner names the cipher in the "is closed" error */
    public WorkerPool(String owner, Supplier<W> factory, Consumer<W> retire) {
        this.owner = owner;
        this.factory = factory;
        this.retire = retire;
    }

    /** A worker for one call: a pooled one when free, else a new one. */
    public W borrow() {
        if (closed) {
            throw new IllegalStateException(owner + " is closed");
        }
        int n = slotCount;
        int start = startSlot(n);
        for (int i = 0; i < n; i++) {
            int slot = (start + i) % n * STRIDE;
            W w = slots.get(slot);
            if (w != null && slots.compareAndSet(slot, w, null)) {
                return w;
            }
        }
        return factory.get();
    }

    /** Returns {@code w} to the pool, or retires it when the pool is full or closed. */
    public void release(W w) {
        if (!closed) {
            int n = slotCount;
            int start = startSlot(n);
            for (int i = 0; i < n; i++) {
                int slot = (start + i) % n * STRIDE;
                if (slots.get(slot) == null && slots.compareAndSet(slot, null, w)) {
                    // close() may have drained the pool between our check and the CAS: take it back out.
                    if (closed && slots.compareAndSet(slot, w, null)) {
                        retire.accept(w);
                    }
                    return;
                }
            }
        }
        retire.accept(w);
    }

    public boolean isClosed() {
        return closed;
    }

    /** Refuses further borrowing and retires every pooled worker. */
    public void close() {
        closed = true;
        for (int i = 0; i < slotCount; i++) {
            W w = slots.getAndSet(i * STRIDE, null);
            if (w != null) {
                retire.accept(w);
            }
        }
    }

    /**
     * Each thread starts at its own home slot, handed out in turn on its first call, so up to
     * {@code slotCount} threads never meet on a slot. (Homes from thread ids modulo the slot
     * count collided now and then: two JMH threads then traded workers on every call and
     * 512-byte sectors on two threads ran at half the speed of one.)
     */
    private static int startSlot(int n) {
        return HOME.get() % n;
    }
}
