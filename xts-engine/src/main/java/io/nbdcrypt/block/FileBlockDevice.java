package io.nbdcrypt.block;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

/**
 * A regular file (disk image) or a block device node, accessed with positional I/O so that
 * concurrent requests need no lock.
 *
 * <p>Size: a regular file's length, or for a block device (whose {@code st_size} is 0) the
 * {@code BLKGETSIZE64} ioctl; fixed at open time. Trim: {@code fallocate(PUNCH_HOLE |
 * KEEP_SIZE)}, on regular files and on block devices alike (Linux 4.9+ turns it into a
 * write-zeroes-with-unmap request there, which, unlike {@code BLKDISCARD}, guarantees that
 * the range reads back as zeroes). {@link #canTrim()} is true when a probe hole beyond the end
 * of a regular file succeeded, or for a writable block device; when the file system or device
 * refuses at run time (EOPNOTSUPP), trim falls back to writing zeroes and {@code canTrim}
 * turns false. Either way a trimmed range reads back as zeroes.
 */
public final class FileBlockDevice implements BlockDevice {
    private static final int ZERO_CHUNK = 1 << 20;
    private static final ByteBuffer ZEROES = ByteBuffer.allocateDirect(ZERO_CHUNK).asReadOnlyBuffer();

    private final Path path;
    private final FileChannel channel;
    private final long size;
    private final boolean readOnly;
    private final boolean blockDevice;
    /** Our own descriptor for fallocate/ioctl (FileChannel does not expose its own), or -1. */
    private final int fd;
    private volatile boolean punchWorks;

    private FileBlockDevice(Path path, FileChannel channel, long size, boolean readOnly, boolean blockDevice, int fd,
            boolean punchWorks) {
        this.path = path;
        this.channel = channel;
        this.size = size;
        this.readOnly = readOnly;
        this.blockDevice = blockDevice;
        this.fd = fd;
        this.punchWorks = punchWorks;
    }

    /**
     * Opens {@code path} (a regular file or a block device).
     *
     * @throws IOException if it cannot be opened, or it is a block device whose size cannot be read
     */
    public static FileBlockDevice open(Path path, boolean readOnly) throws IOException {
        FileChannel ch = readOnly
                ? FileChannel.open(path, StandardOpenOption.READ)
                : FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        int fd = -1;
        try {
            boolean regular = Files.isRegularFile(path);
            if (LinuxFileOps.available() && (!regular || !readOnly)) {
                fd = LinuxFileOps.open(path, readOnly);
            }
            long size;
            if (regular) {
                size = ch.size();
            } else if (fd >= 0) {
                size = LinuxFileOps.blockDeviceSize(fd, path);
            } else {
                throw new IOException(path + " is not a regular file and its size cannot be read without native access ("
                        + LinuxFileOps.unavailableReason() + ")");
            }
            boolean punch = !readOnly && fd >= 0 && (!regular || LinuxFileOps.punchHole(fd, path, size, 4096) == 0);
            return new FileBlockDevice(path, ch, size, readOnly, !regular, fd, punch);
        } catch (IOException | RuntimeException e) {
            if (fd >= 0) {
                LinuxFileOps.close(fd);
            }
            ch.close();
            throw e;
        }
    }

    /** Whether this is a block device node rather than a regular file. */
    public boolean isBlockDevice() {
        return blockDevice;
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
        return punchWorks;
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
        writeZeroes(offset, length, true);
    }

    @Override
    public void writeZeroes(long offset, long length, boolean mayTrim) throws IOException {
        ensureWritable();
        checkRange(offset, length);
        if (length == 0) {
            return;
        }
        if (mayTrim && punchWorks) {
            if (LinuxFileOps.punchHole(fd, path, offset, length) == 0) {
                return;
            }
            // The file system or device refused after all: stop trying, write zeroes instead.
            punchWorks = false;
        }
        long done = 0;
        while (done < length) {
            int n = (int) Math.min(ZERO_CHUNK, length - done);
            write(offset + done, ZEROES.duplicate().limit(n));
            done += n;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            channel.close();
        } finally {
            if (fd >= 0) {
                LinuxFileOps.close(fd);
            }
        }
    }

    @Override
    public String toString() {
        return "FileBlockDevice[" + path + ", " + size + " bytes" + (blockDevice ? ", block device" : "")
                + (readOnly ? ", read-only]" : "]");
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
