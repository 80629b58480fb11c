package io.nbdcrypt.block;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * A fixed-size array of bytes with positional I/O: a file, a block device, or the plaintext
 * view of an encrypted volume. The NBD server sees only this interface.
 *
 * <p>Contract: requests need not be aligned (implementations do any read-modify-write
 * themselves), must lie within {@code [0, size())} ({@link IllegalArgumentException}
 * otherwise; the NBD layer validates first, so that is a bug there), and are safe to issue
 * concurrently from many threads. A read or write transfers exactly {@code buf.remaining()}
 * bytes and leaves the buffer's position and limit unchanged. Writes on a read-only device
 * throw {@link ReadOnlyDeviceException}. I/O failures are {@link IOException}s.
 */
public interface BlockDevice extends Closeable {

    /** Size in bytes. */
    long size();

    /** The natural I/O unit (encryption sector, or 512/4096 for raw storage). Requests aligned to it avoid read-modify-write. */
    int blockSize();

    boolean isReadOnly();

    /** Whether {@link #trim} releases storage; when false, trim writes zeroes instead. Either way the range reads back as zeroes. */
    boolean canTrim();

    /** Reads {@code dst.remaining()} bytes starting at {@code offset}. */
    void read(long offset, ByteBuffer dst) throws IOException;

    /** Writes {@code src.remaining()} bytes starting at {@code offset}. */
    void write(long offset, ByteBuffer src) throws IOException;

    /**
     * Writes like {@link #write}, but the device may overwrite the bytes of {@code src}
     * (between position and limit) with anything, e.g. ciphertext; for callers that discard
     * the buffer afterwards, so an encrypting device can encrypt in place instead of copying.
     * A read-only {@code src} is simply written.
     */
    default void writeConsuming(long offset, ByteBuffer src) throws IOException {
        write(offset, src);
    }

    /**
     * Whether {@link #writeConsuming} works best on heap buffers: true for a device that
     * transforms the bytes in place (the cipher works on heap arrays without a bounce copy);
     * false (the default) for one that hands them to the kernel, where direct buffers save a copy.
     */
    default boolean prefersHeapWrites() {
        return false;
    }

    /**
     * The most heap this device keeps for itself while it is open (a cache), so that a server
     * leaves it out of what requests may hold at once. 0 (the default) for a device with no
     * cache of its own.
     */
    default long heapBytesKept() {
        return 0;
    }

    /** Makes every completed write durable. */
    void flush() throws IOException;

    /**
     * Releases the storage behind a range; later reads of it return zeroes. Partial blocks at
     * the edges are zeroed rather than released.
     */
    void trim(long offset, long length) throws IOException;

    /**
     * Sets a range to zeroes: later reads of it return zeroes.
     *
     * @param mayTrim permission, not a request, to release the storage behind the range where it
     *                then reads back as zeroes; a device may decline it, and its Javadoc says
     *                whether it does ({@link EncryptedVolume} always writes encrypted zeroes)
     */
    void writeZeroes(long offset, long length, boolean mayTrim) throws IOException;

    /**
     * Which parts of {@code [offset, offset + length)} are holes (no storage, read as zeroes):
     * consecutive extents starting at {@code offset}, at most {@code maxExtents} of them, covering
     * the range or a prefix of it (never past it). Advisory: concurrent writes may change it.
     * The default, for a device that cannot tell, is one data extent.
     *
     * @param length at least 1
     */
    default List<Extent> extents(long offset, long length, int maxExtents) throws IOException {
        java.util.Objects.checkFromIndexSize(offset, length, size());
        return List.of(new Extent(offset, length, false));
    }
}
