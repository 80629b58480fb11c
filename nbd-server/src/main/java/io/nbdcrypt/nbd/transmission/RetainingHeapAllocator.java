package io.nbdcrypt.nbd.transmission;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledHeapByteBuf;
import io.netty.util.internal.PlatformDependent;

import java.lang.ref.SoftReference;
import java.util.ArrayDeque;

/**
 * The server's allocator: large heap buffers of a fixed size (the payload of a WRITE, the
 * reply of a large READ: 64 KiB to 4 MiB, asked for as {@code heapBuffer(n, n)}) come from
 * byte arrays kept for reuse; everything else goes to the pooled allocator it wraps.
 *
 * <p>Why: in the daemon's 32 MiB heap, Netty's pooled heap arena frees a 4 MiB chunk as soon
 * as it is empty and allocates a new one for the next burst. Under 1 MiB QD16 I/O that churn
 * was three quarters of all heap allocation and drove a full GC every 0.2 s (153 full GCs of
 * ~30 ms in 34 s of sequential reads, {@code -Xlog:gc}). Arrays kept here are sized in powers
 * of two, and all of them together, in use or free, are kept only up to {@code retainBytes}
 * (the server's {@link MemoryBudget}, which already bounds what requests hold at once: so the
 * heap holds no more buffer arrays than it did at the peak before); an array released while
 * more than that is out is dropped. {@link #trim()} lets go of those that sat unused for a whole
 * period, so an idle daemon shrinks back.
 *
 * <p>A free array is held through a {@link SoftReference}: the collector clears those before it
 * would throw {@link OutOfMemoryError}, so arrays kept for the next request never take the heap
 * from what is live (the authenticated mode's node cache shares the daemon's 32 MiB; held
 * strongly, the kept arrays pushed it out of memory).
 */
public final class RetainingHeapAllocator extends AbstractByteBufAllocator {
    public static final int MIN_RETAINED = 64 << 10;
    public static final int MAX_RETAINED = 4 << 20;
    private static final int MIN_SHIFT = Integer.numberOfTrailingZeros(MIN_RETAINED);
    private static final int CLASSES = Integer.numberOfTrailingZeros(MAX_RETAINED) - MIN_SHIFT + 1;

    private final ByteBufAllocator delegate;
    private final long retainBytes;
    /**
     * Free arrays per size class (class c holds arrays of MIN_RETAINED << c bytes), each held
     * softly (the collector may have cleared it); guarded by this.
     */
    private final ArrayDeque<SoftReference<byte[]>>[] free;
    /** Per class, the fewest arrays that were free at any moment since the last trim. */
    private final int[] fewestFree;
    /** Bytes of the free arrays (a cleared one counts until it is polled). */
    private long retained;
    /** Bytes of every array this allocator keeps track of: handed out and not dropped, or free. */
    private long live;

    @SuppressWarnings("unchecked")
    public RetainingHeapAllocator(ByteBufAllocator delegate, long retainBytes) {
        super(PlatformDependent.directBufferPreferred());   // as PooledByteBufAllocator.DEFAULT
        this.delegate = delegate;
        this.retainBytes = retainBytes;
        this.free = new ArrayDeque[CLASSES];
        for (int c = 0; c < CLASSES; c++) {
            free[c] = new ArrayDeque<>();
        }
        this.fewestFree = new int[CLASSES];
    }

    /** Every heap buffer: AbstractByteBufAllocator's other heap and default-buffer methods come here. */
    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
        if (initialCapacity != maxCapacity || initialCapacity < MIN_RETAINED || initialCapacity > MAX_RETAINED) {
            return delegate.heapBuffer(initialCapacity, maxCapacity);
        }
        int c = sizeClass(initialCapacity);
        // A slice shares the buffer's reference count: releasing it gives the array back.
        return new ReturningBuf(take(c)).slice(0, initialCapacity).clear();
    }

    /** Arrays kept now, in bytes. */
    synchronized long retainedBytes() {
        return retained;
    }

    /** Lets go of the arrays no request needed since the previous trim (run every few seconds). */
    public synchronized void trim() {
        for (int c = 0; c < CLASSES; c++) {
            for (int i = 0; i < fewestFree[c]; i++) {
                free[c].poll();
                forget(c);
            }
            fewestFree[c] = free[c].size();
        }
    }

    private synchronized byte[] take(int c) {
        for (SoftReference<byte[]> kept; (kept = free[c].poll()) != null; ) {
            byte[] a = kept.get();
            fewestFree[c] = Math.min(fewestFree[c], free[c].size());
            if (a != null) {
                retained -= a.length;
                return a;
            }
            forget(c);   // the collector needed it
        }
        live += classBytes(c);
        return new byte[classBytes(c)];
    }

    private synchronized void giveBack(byte[] a) {
        if (live <= retainBytes) {
            free[sizeClass(a.length)].push(new SoftReference<>(a));
            retained += a.length;
        } else {
            live -= a.length;
        }
    }

    /** A free array of class c is no longer kept (trimmed, or cleared by the collector). */
    private void forget(int c) {
        retained -= classBytes(c);
        live -= classBytes(c);
    }

    private static int sizeClass(int bytes) {
        return 32 - Integer.numberOfLeadingZeros(bytes - 1) - MIN_SHIFT;
    }

    private static int classBytes(int c) {
        return MIN_RETAINED << c;
    }

    /** A heap buffer over one of our arrays, which goes back to the allocator when the buffer is released. */
    private final class ReturningBuf extends UnpooledHeapByteBuf {
        ReturningBuf(byte[] array) {
            super(RetainingHeapAllocator.this, array, array.length);
        }

        @Override
        protected void freeArray(byte[] array) {
            if (array.length >= MIN_RETAINED && Integer.bitCount(array.length) == 1) {
                giveBack(array);
            }
        }
    }

    // ---- everything else: the wrapped allocator ---------------------------------------------

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
        return delegate.directBuffer(initialCapacity, maxCapacity);
    }

    @Override
    public boolean isDirectBufferPooled() {
        return delegate.isDirectBufferPooled();
    }
}
