package io.nbdcrypt.block;

import io.nbdcrypt.xts.SectorCipher;
import io.nbdcrypt.xts.WorkerPool;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The plaintext view of an encrypted data segment: {@code size} bytes starting at
 * {@code dataOffset} of a backing device, each sector encrypted by a {@link SectorCipher}.
 *
 * <p>Aligned requests encrypt/decrypt straight through (writes via a pooled scratch buffer,
 * since the caller's buffer is not ours to scramble). Unaligned requests are split into three
 * parts: a partial head sector, an aligned body, and a partial tail sector; the partial
 * sectors go through read-modify-write under a per-sector stripe lock, so two concurrent
 * partial writes to the same sector cannot lose each other's bytes. (A whole-sector write
 * needs no lock: any other request touching that sector overlaps it, and overlapping
 * concurrent writes have no defined order.)
 *
 * <p>Holes: a sector whose ciphertext is all zero bytes reads as zeroes. Such a sector was
 * never written (a fresh sparse image) or was trimmed (the backing punched a hole, which
 * reads as zeroes); real ciphertext is all zero with probability 2^-4096 per 512-byte
 * sector. {@link #trim} therefore releases whole sectors in the backing and writes encrypted
 * zeroes only into partial edge sectors. {@link #writeZeroes} always writes real encrypted
 * zeroes, even when it may trim: a hole reads as zeroes only through this class, while dm-crypt
 * ({@code cryptsetup open} of the same volume) decrypts it to noise, which a file system that
 * relies on zeroed blocks (inode tables) would not survive. After a trim the contents are
 * unspecified, under dm-crypt as under NBD, so holes are fine there. Encrypted zeroes also
 * look like data to the host.
 */
public final class EncryptedVolume implements BlockDevice {
    private static final int LOCK_STRIPES = 256;
    private static final int SCRATCH = 256 * 1024;
    private static final ByteBuffer ZEROES = ByteBuffer.allocate(SCRATCH).asReadOnlyBuffer();

    private final BlockDevice backing;
    private final long dataOffset;
    private final long size;
    private final SectorCipher cipher;
    private final int sectorSize;
    private final ReentrantLock[] sectorLocks = new ReentrantLock[LOCK_STRIPES];
    /**
     * Heap buffers for the encrypting write path, so it does not allocate per request (heap: the
     * sector cipher works on heap arrays in place, and the JDK copies heap buffers into its own
     * direct buffer for the system call anyway). They go back holding ciphertext only, and are
     * zeroed when the volume closes all the same (a request that failed half-way may have left
     * plaintext in one).
     */
    private final WorkerPool<ByteBuffer> scratch = new WorkerPool<>("EncryptedVolume", () -> ByteBuffer.allocate(SCRATCH),
            b -> Arrays.fill(b.array(), (byte) 0));

    /**
     * @param dataOffset byte offset of the segment in {@code backing}, a multiple of the sector size
     * @param size       plaintext size in bytes, a multiple of the sector size
     * @param cipher     the sector cipher; the volume owns it and closes it (wiping the key) on {@link #close()}
     * @throws IllegalArgumentException if the segment is misaligned or does not fit the backing device
     */
    public EncryptedVolume(BlockDevice backing, long dataOffset, long size, SectorCipher cipher) {
        this.backing = Objects.requireNonNull(backing);
        this.cipher = Objects.requireNonNull(cipher);
        this.sectorSize = cipher.sectorSize();
        if (dataOffset < 0 || size < 0 || dataOffset % sectorSize != 0 || size % sectorSize != 0) {
            throw new IllegalArgumentException("segment offset " + dataOffset + " and size " + size
                    + " must be non-negative multiples of the sector size " + sectorSize);
        }
        if (dataOffset > backing.size() || size > backing.size() - dataOffset) {
            throw new IllegalArgumentException("segment [" + dataOffset + ", +" + size + ") does not fit the "
                    + backing.size() + "-byte device");
        }
        this.dataOffset = dataOffset;
        this.size = size;
        for (int i = 0; i < LOCK_STRIPES; i++) {
            sectorLocks[i] = new ReentrantLock();
        }
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public int blockSize() {
        return sectorSize;
    }

    @Override
    public boolean isReadOnly() {
        return backing.isReadOnly();
    }

    @Override
    public boolean canTrim() {
        return backing.canTrim();
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        Objects.checkFromIndexSize(offset, dst.remaining(), size);
        long end = offset + dst.remaining();
        int pos = dst.position();
        long at = offset;
        // Head: a partial first sector.
        if (at % sectorSize != 0) {
            int n = (int) Math.min(end - at, sectorSize - at % sectorSize);
            copySector(at / sectorSize, (int) (at % sectorSize), dst, pos, n);
            pos += n;
            at += n;
        }
        // Body: whole sectors, decrypted in the caller's buffer.
        long bodyLen = (end - at) / sectorSize * sectorSize;
        if (bodyLen > 0) {
            ByteBuffer body = dst.duplicate().position(pos).limit(pos + (int) bodyLen);
            backing.read(dataOffset + at, body);
            cipher.decryptKeepingHoles(body, at / sectorSize);
            pos += (int) bodyLen;
            at += bodyLen;
        }
        // Tail: a partial last sector.
        if (at < end) {
            copySector(at / sectorSize, 0, dst, pos, (int) (end - at));
        }
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        write(offset, src, false);
    }

    /** Encrypts the whole sectors of {@code src} in place (no copy); partial edge sectors as in {@link #write}. */
    @Override
    public void writeConsuming(long offset, ByteBuffer src) throws IOException {
        write(offset, src, !src.isReadOnly());
    }

    /** Encrypting in place is cheapest on heap arrays (no bounce copy through the cipher's buffer). */
    @Override
    public boolean prefersHeapWrites() {
        return true;
    }

    private void write(long offset, ByteBuffer src, boolean inPlace) throws IOException {
        Objects.checkFromIndexSize(offset, src.remaining(), size);
        long end = offset + src.remaining();
        int pos = src.position();
        long at = offset;
        // Head: a partial first sector, read-modify-write under its lock.
        if (at % sectorSize != 0) {
            int n = (int) Math.min(end - at, sectorSize - at % sectorSize);
            patchSector(at / sectorSize, (int) (at % sectorSize), src, pos, n);
            pos += n;
            at += n;
        }
        // Body: whole sectors, encrypted in place or in a pooled scratch buffer, a scratch-full at a time.
        long bodyLen = (end - at) / sectorSize * sectorSize;
        if (bodyLen > 0 && inPlace) {
            // A scratch-size piece at a time: it is still in cache when written, and the JDK's
            // per-thread bounce buffer for a heap write stays that small.
            for (long done = 0; done < bodyLen; ) {
                int n = (int) Math.min(SCRATCH, bodyLen - done);
                ByteBuffer piece = src.duplicate().position(pos + (int) done).limit(pos + (int) done + n);
                cipher.encrypt(piece, (at + done) / sectorSize);
                backing.write(dataOffset + at + done, piece);
                done += n;
            }
            pos += (int) bodyLen;
            at += bodyLen;
        } else if (bodyLen > 0) {
            writeBody(at, src, pos, bodyLen);
            pos += (int) bodyLen;
            at += bodyLen;
        }
        // Tail: a partial last sector.
        if (at < end) {
            patchSector(at / sectorSize, 0, src, pos, (int) (end - at));
        }
    }

    @Override
    public void flush() throws IOException {
        backing.flush();
    }

    /**
     * Writes encrypted zeroes over the range, always: never holes, whatever {@code mayTrim} says,
     * because dm-crypt would read a hole as noise where the file system expects the zeroes it
     * wrote (see the class comment). {@link #trim} is the way to release storage.
     *
     * @param mayTrim the client's permission to release storage, which this volume declines
     */
    @Override
    public void writeZeroes(long offset, long length, boolean mayTrim) throws IOException {
        Objects.checkFromIndexSize(offset, length, size);
        if (backing.isReadOnly()) {
            throw new ReadOnlyDeviceException("cannot zero a read-only volume");
        }
        for (long done = 0; done < length; ) {
            // Chunks end on sector boundaries, so no sector is read-modify-written twice.
            int n = (int) Math.min(SCRATCH - (offset + done) % sectorSize, length - done);
            write(offset + done, ZEROES.duplicate().limit(n));
            done += n;
        }
    }

    @Override
    public void trim(long offset, long length) throws IOException {
        Objects.checkFromIndexSize(offset, length, size);
        if (backing.isReadOnly()) {
            throw new ReadOnlyDeviceException("cannot trim a read-only volume");
        }
        long end = offset + length;
        long firstWhole = (offset + sectorSize - 1) / sectorSize * sectorSize;
        long lastWhole = end / sectorSize * sectorSize;
        if (firstWhole >= lastWhole) {
            // Within one sector (or two partial ones): nothing whole to release.
            write(offset, ZEROES.duplicate().limit((int) length));
            return;
        }
        // Edges: encrypted zeroes in the partial sectors; middle: holes that read back as zeroes.
        if (offset < firstWhole) {
            write(offset, ZEROES.duplicate().limit((int) (firstWhole - offset)));
        }
        backing.trim(dataOffset + firstWhole, lastWhole - firstWhole);
        if (lastWhole < end) {
            write(lastWhole, ZEROES.duplicate().limit((int) (end - lastWhole)));
        }
    }

    /** Whole sectors whose ciphertext is all in a backing hole (see {@link CiphertextHoles}). */
    @Override
    public List<Extent> extents(long offset, long length, int maxExtents) throws IOException {
        Objects.checkFromIndexSize(offset, length, size);
        return CiphertextHoles.of(backing, dataOffset, sectorSize, offset, length, maxExtents);
    }

    @Override
    public void close() throws IOException {
        // The volume owns its cipher: closing it is what wipes the volume key.
        try {
            cipher.close();
            scratch.close();
        } finally {
            backing.close();
        }
    }

    @Override
    public String toString() {
        return "EncryptedVolume[" + size + " bytes at " + dataOffset + " of " + backing + "]";
    }

    private void writeBody(long at, ByteBuffer src, int srcPos, long len) throws IOException {
        ByteBuffer buf = scratch.borrow().clear();
        try {
            for (long done = 0; done < len; ) {
                int n = (int) Math.min(buf.capacity(), len - done);
                buf.clear().limit(n);
                buf.put(0, src, srcPos + (int) done, n);
                cipher.encrypt(buf, (at + done) / sectorSize);
                backing.write(dataOffset + at + done, buf);
                done += n;
            }
        } finally {
            scratch.release(buf); // holds ciphertext only
        }
    }

    /** Copies {@code n} plaintext bytes at {@code within} of one sector into {@code dst} at {@code dstPos}. */
    private void copySector(long sector, int within, ByteBuffer dst, int dstPos, int n) throws IOException {
        ByteBuffer buf = scratch.borrow().clear();
        try {
            ByteBuffer b = buf.limit(sectorSize);
            backing.read(dataOffset + sector * sectorSize, b);
            cipher.decryptKeepingHoles(b, sector);
            dst.put(dstPos, b, within, n);
        } finally {
            Arrays.fill(buf.array(), buf.arrayOffset(), buf.arrayOffset() + sectorSize, (byte) 0);
            scratch.release(buf);
        }
    }

    /** Read-modify-write of {@code n} bytes at {@code within} of one sector, under that sector's stripe lock. */
    private void patchSector(long sector, int within, ByteBuffer src, int srcPos, int n) throws IOException {
        ReentrantLock lock = sectorLocks[(int) Long.remainderUnsigned(sector, LOCK_STRIPES)];
        ByteBuffer buf = scratch.borrow().clear();
        lock.lock();
        try {
            ByteBuffer b = buf.limit(sectorSize);
            long at = dataOffset + sector * sectorSize;
            backing.read(at, b);
            cipher.decryptKeepingHoles(b, sector);
            b.put(within, src, srcPos, n);
            cipher.encrypt(b, sector);
            backing.write(at, b);
        } finally {
            lock.unlock();
            scratch.release(buf); // holds ciphertext only
        }
    }
}
