package io.nbdcrypt.nbd.transmission;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * The bytes all connections of one server may hold at once (write payloads received, read
 * replies not yet sent), on top of each connection's own {@link FlowLimits}. The daemon runs
 * with a small bounded heap and direct memory (README "Footprint"); without a shared bound,
 * one client with a deep queue of 4 MiB reads (fio's QD64) ran the JVM out of memory and got
 * ENOMEM for its reads. With it, such a client waits instead.
 *
 * <p>A charge is taken when it fits, or when nothing at all is held, so one request of any
 * allowed size always runs. A connection that does not get its charge leaves a wake-up, run
 * once when bytes come back.
 */
public final class MemoryBudget {
    private final long limit;
    private long held;
    private final LinkedHashSet<Runnable> waiting = new LinkedHashSet<>();

    public MemoryBudget(long limitBytes) {
        if (limitBytes < 1) {
            throw new IllegalArgumentException("memory budget must be positive, got " + limitBytes);
        }
        this.limit = limitBytes;
    }

    /** No shared bound (each connection's flow limits still apply). */
    public static MemoryBudget unlimited() {
        return new MemoryBudget(Long.MAX_VALUE);
    }

    /**
     * A third of the heap the JVM may use (about 10 MiB for the daemon), at most 256 MiB: request buffers live on the heap
     * (reads up to 1 MiB) or in direct memory, and the daemon's direct limit is above its heap.
     */
    public static MemoryBudget forThisJvm() {
        return forThisJvm(0);
    }

    /**
     * As {@link #forThisJvm()} when the exported devices keep nothing on the heap; when they
     * keep {@code keptByDevices} (the authenticated mode's node cache, a third of the heap by
     * default), a quarter of what they leave, at least 1 MiB. With both at a third, the daemon's
     * 32 MiB heap ran out under 1 MiB writes at queue depth 16: 11 MiB of payloads, a full
     * 10 MiB cache and the rest (classes' data, Netty's 4 MiB heap chunk) left the serial
     * collector no room.
     */
    public static MemoryBudget forThisJvm(long keptByDevices) {
        return forHeap(Runtime.getRuntime().maxMemory(), keptByDevices);
    }

    static MemoryBudget forHeap(long heap, long keptByDevices) {
        long share = keptByDevices <= 0 ? heap / 3 : Math.max(1L << 20, (heap - keptByDevices) / 4);
        return new MemoryBudget(Math.min(share, 256L << 20));
    }

    public long limitBytes() {
        return limit;
    }

    /** Takes {@code bytes} if they fit (or nothing is held); otherwise {@code wake} runs once after some come back. */
    public boolean tryTake(long bytes, Runnable wake) {
        synchronized (this) {
            if (bytes == 0 || held == 0 || held + bytes <= limit) {
                held += bytes;
                return true;
            }
            waiting.add(wake);
            return false;
        }
    }

    /** Returns {@code bytes} and wakes every connection that waited. */
    public void give(long bytes) {
        List<Runnable> wake;
        synchronized (this) {
            held -= bytes;
            if (waiting.isEmpty()) {
                return;
            }
            wake = new ArrayList<>(waiting);
            waiting.clear();
        }
        wake.forEach(Runnable::run);
    }

    /** Bytes held now (for tests and metrics). */
    public synchronized long heldBytes() {
        return held;
    }
}
