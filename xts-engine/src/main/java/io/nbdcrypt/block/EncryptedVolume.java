package io.nbdcrypt.block;

import io.nbdcrypt.xts.SectorCipher;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The plaintext view of an encrypted data segment: {@code size} bytes starting at
 * {@code dataOffset} of a backing device, each sector encrypted by a {@link SectorCipher}.
 *
 * <p>Aligned requests encrypt/decrypt straight through. Unaligned requests are split into
 * three parts: a partial head sector, an aligned body, and a partial tail sector; the partial
 * sectors go through read-modify-write under a per-sector stripe lock, so two concurrent
 * partial writes to the same sector cannot lose each other's bytes.
 */
public final class EncryptedVolume implements BlockDevice {
    private static final int LOCK_STRIPES = 256;

    private final BlockDevice backing;
    private final long dataOffset;
    private final long size;
    private final SectorCipher cipher;
    private final int sectorSize;
    private final ReentrantLock[] sectorLocks = new ReentrantLock[LOCK_STRIPES];

    /**
     * @param dataOffset byte offset of the segment in {@code backing}, a multiple of the sector size
     * @param size       plaintext size in bytes, a multiple of the sector size
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
        if (at % sectorSize != 0 && at < end) {
            int n = (int) Math.min(end - at, sectorSize - at % sectorSize);
            ByteBuffer sector = readSector(at / sectorSize);
            dst.put(pos, sector, (int) (at % sectorSize), n);
            pos += n;
            at += n;
        }
        // Body: whole sectors, decrypted in the caller's buffer.
        long bodyLen = (end - at) / sectorSize * sectorSize;
        if (bodyLen > 0) {
            ByteBuffer body = dst.duplicate().position(pos).limit(pos + (int) bodyLen);
            backing.read(dataOffset + at, body);
            cipher.decrypt(body, at / sectorSize);
            pos += (int) bodyLen;
            at += bodyLen;
        }
        // Tail: a partial last sector.
        if (at < end) {
            ByteBuffer sector = readSector(at / sectorSize);
            dst.put(pos, sector, 0, (int) (end - at));
        }
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        Objects.checkFromIndexSize(offset, src.remaining(), size);
        long end = offset + src.remaining();
        int pos = src.position();
        long at = offset;
        if (at % sectorSize != 0 && at < end) {
            int n = (int) Math.min(end - at, sectorSize - at % sectorSize);
            patchSector(at / sectorSize, (int) (at % sectorSize), src, pos, n);
            pos += n;
            at += n;
        }
        long bodyLen = (end - at) / sectorSize * sectorSize;
        if (bodyLen > 0) {
            // Encrypt a copy: the caller's buffer is not ours to scramble.
            ByteBuffer body = ByteBuffer.allocate((int) bodyLen);
            body.put(0, src, pos, (int) bodyLen);
            cipher.encrypt(body, at / sectorSize);
            backing.write(dataOffset + at, body);
            pos += (int) bodyLen;
            at += bodyLen;
        }
        if (at < end) {
            patchSector(at / sectorSize, 0, src, pos, (int) (end - at));
        }
    }

    @Override
    public void flush() throws IOException {
        backing.flush();
    }

    @Override
    public void trim(long offset, long length) throws IOException {
        writeZeroes(offset, length, true);
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayTrim) throws IOException {
        Objects.checkFromIndexSize(offset, length, size);
        ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(1 << 20, Math.max(length, 1)));
        long done = 0;
        while (done < length) {
            int n = (int) Math.min(zeros.capacity(), length - done);
            write(offset + done, zeros.clear().limit(n));
            done += n;
        }
    }

    @Override
    public void close() throws IOException {
        backing.close();
    }

    @Override
    public String toString() {
        return "EncryptedVolume[" + size + " bytes at " + dataOffset + " of " + backing + "]";
    }

    private ByteBuffer readSector(long sector) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(sectorSize);
        backing.read(dataOffset + sector * sectorSize, b);
        cipher.decrypt(b, sector);
        return b;
    }

    /** Read-modify-write of {@code n} bytes at {@code within} of one sector, under that sector's stripe lock. */
    private void patchSector(long sector, int within, ByteBuffer src, int srcPos, int n) throws IOException {
        ReentrantLock lock = sectorLocks[(int) Long.remainderUnsigned(sector, LOCK_STRIPES)];
        lock.lock();
        try {
            ByteBuffer b = readSector(sector);
            b.put(within, src, srcPos, n);
            cipher.encrypt(b, sector);
            backing.write(dataOffset + sector * sectorSize, b);
        } finally {
            lock.unlock();
        }
    }
}
