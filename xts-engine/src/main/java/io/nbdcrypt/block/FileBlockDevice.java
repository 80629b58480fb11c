package io.nbdcrypt.block;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

/**
 * A regular file (disk image) or a block device node, accessed with positional I/O so that
 * concurrent requests need no lock.
 */
public final class FileBlockDevice implements BlockDevice {
    private static final int ZERO_CHUNK = 1 << 20;

    private final Path path;
    private final FileChannel channel;
    private final long size;
    private final boolean readOnly;

    private FileBlockDevice(Path path, FileChannel channel, long size, boolean readOnly) {
        this.path = path;
        this.channel = channel;
        this.size = size;
        this.readOnly = readOnly;
    }

    /** Opens {@code path}; its size is fixed at open time. */
    public static FileBlockDevice open(Path path, boolean readOnly) throws IOException {
        FileChannel ch = readOnly
                ? FileChannel.open(path, StandardOpenOption.READ)
                : FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            long size = ch.size();
            return new FileBlockDevice(path, ch, size, readOnly);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    public Path path() {
        return path;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public int blockSize() {
        return 4096;
    }

    @Override
    public boolean isReadOnly() {
        return readOnly;
    }

    @Override
    public boolean canTrim() {
        return false;
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        checkRange(offset, dst.remaining());
        ByteBuffer b = dst.duplicate();
        long pos = offset;
        while (b.hasRemaining()) {
            int n = channel.read(b, pos);
            if (n < 0) {
                // Past the end of a file that shrank under us: the rest reads as zeroes.
                while (b.hasRemaining()) {
                    b.put((byte) 0);
                }
                break;
            }
            pos += n;
        }
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        ensureWritable();
        checkRange(offset, src.remaining());
        ByteBuffer b = src.duplicate();
        long pos = offset;
        while (b.hasRemaining()) {
            pos += channel.write(b, pos);
        }
    }

    @Override
    public void flush() throws IOException {
        if (!readOnly) {
            channel.force(false);
        }
    }

    @Override
    public void trim(long offset, long length) throws IOException {
        ensureWritable();
        checkRange(offset, length);
        writeZeroes(offset, length, false);
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayTrim) throws IOException {
        ensureWritable();
        checkRange(offset, length);
        ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(ZERO_CHUNK, Math.max(length, 1)));
        long done = 0;
        while (done < length) {
            int n = (int) Math.min(zeros.capacity(), length - done);
            write(offset + done, zeros.limit(n));
            done += n;
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    @Override
    public String toString() {
        return "FileBlockDevice[" + path + ", " + size + " bytes" + (readOnly ? ", read-only]" : "]");
    }

    private void ensureWritable() throws ReadOnlyDeviceException {
        if (readOnly) {
            throw new ReadOnlyDeviceException(path + " is open read-only");
        }
    }

    private void checkRange(long offset, long length) {
        Objects.checkFromIndexSize(offset, length, size);
    }
}
