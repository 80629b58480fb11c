package io.nbdcrypt.block;

import io.nbdcrypt.linux.BlockDevices;
import io.nbdcrypt.linux.Errno;
import io.nbdcrypt.linux.Libc;
import io.nbdcrypt.linux.Linux;
import io.nbdcrypt.linux.LockHolders;
import io.nbdcrypt.linux.NativeException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
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
 *
 * <p>Locking: {@link #open(Path, boolean, DeviceLock)} holds a {@link DeviceLock} on the
 * device until {@link #close()} (a {@code flock} on our own descriptor, plus {@code O_EXCL}
 * for an exclusive open of a block device); a conflicting holder is a
 * {@link DeviceInUseException} at open time.
 */
public final class FileBlockDevice implements BlockDevice {
    private static final int ZERO_CHUNK = 1 << 20;
    private static final ByteBuffer ZEROES = ByteBuffer.allocateDirect(ZERO_CHUNK).asReadOnlyBuffer();

    private final Path path;
    private final FileChannel channel;
    private final long size;
    private final boolean readOnly;
    private final boolean blockDevice;
    /** Our own descriptor for fallocate, ioctl and the lock (FileChannel does not expose its own), or -1. */
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
     * Opens {@code path} (a regular file or a block device) without a lock.
     *
     * @throws IOException if it cannot be opened, or it is a block device whose size cannot be read
     */
    public static FileBlockDevice open(Path path, boolean readOnly) throws IOException {
        return open(path, readOnly, DeviceLock.NONE);
    }

    /**
     * Opens {@code path} and holds {@code lock} on it until {@link #close()}.
     *
     * @throws DeviceInUseException if another process holds a conflicting lock, or (block
     *                              devices, {@link DeviceLock#EXCLUSIVE}) the device is mounted,
     *                              mapped or opened exclusively elsewhere
     * @throws IOException          if it cannot be opened, its size cannot be read, or a lock is
     *                              asked for where native calls are unavailable
     */
    public static FileBlockDevice open(Path path, boolean readOnly, DeviceLock lock) throws IOException {
        FileChannel ch = readOnly
                ? FileChannel.open(path, StandardOpenOption.READ)
                : FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        int fd = -1;
        try {
            boolean regular = Files.isRegularFile(path);
            // Our own descriptor even for a read-only image: lseek(SEEK_DATA) maps its holes.
            if (Linux.available()) {
                fd = openOwnDescriptor(path, readOnly, !regular && lock == DeviceLock.EXCLUSIVE);
            } else if (lock != DeviceLock.NONE) {
                throw new IOException("cannot lock " + path + " without native access (" + Linux.unavailableReason() + ")");
            }
            if (lock != DeviceLock.NONE) {
                lock(fd, path, lock);
            }
            long size;
            if (regular) {
                size = ch.size();
            } else if (fd >= 0) {
                size = BlockDevices.size(fd, path.toString());
            } else {
                throw new IOException(path + " is not a regular file and its size cannot be read without native access ("
                        + Linux.unavailableReason() + ")");
            }
            boolean punch = !readOnly && fd >= 0 && (!regular || punchHole(fd, path, size, 4096));
            return new FileBlockDevice(path, ch, size, readOnly, !regular, fd, punch);
        } catch (IOException | RuntimeException e) {
            Libc.close(fd);
            ch.close();
            throw e;
        }
    }

    /** Our own descriptor (FileChannel does not expose its own), with O_EXCL on a block device when asked. */
    private static int openOwnDescriptor(Path path, boolean readOnly, boolean exclusive) throws IOException {
        int flags = (readOnly ? Libc.O_RDONLY : Libc.O_RDWR) | (exclusive ? Libc.O_EXCL : 0);
        try {
            return Libc.open(path, flags);
        } catch (NativeException e) {
            if (exclusive && e.errno() == Errno.EBUSY) {
                throw new DeviceInUseException(path, "mounted, mapped, or opened exclusively by another program",
                        LockHolders.of(path));
            }
            throw e;
        }
    }

    private static void lock(int fd, Path path, DeviceLock lock) throws IOException {
        int op = (lock == DeviceLock.EXCLUSIVE ? Libc.LOCK_EX : Libc.LOCK_SH) | Libc.LOCK_NB;
        try {
            Libc.flock(fd, op, path.toString());
        } catch (NativeException e) {
            if (e.errno() == Errno.EWOULDBLOCK) {
                throw new DeviceInUseException(path, lock == DeviceLock.EXCLUSIVE
                        ? "another program has it open (locked)" : "another program is writing to it (locked)",
                        LockHolders.of(path));
            }
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

    /**
     * Direct buffers through the channel (the JDK reads into them without a copy); heap
     * buffers with {@code pread} straight into their array (the channel would read into a
     * temporary direct buffer and copy). Past the end of a file that shrank under us, the rest
     * reads as zeroes.
     */
    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        checkRange(offset, dst.remaining());
        if (dst.hasArray() && fd >= 0) {
            readIntoArray(offset, dst.array(), dst.arrayOffset() + dst.position(), dst.remaining());
            return;
        }
        ByteBuffer b = dst.duplicate();
        long pos = offset;
        while (b.hasRemaining()) {
            int n = channel.read(b, pos);
            if (n < 0) {
                while (b.hasRemaining()) {
                    b.put((byte) 0);
                }
                break;
            }
            pos += n;
        }
    }

    /** Writes heap buffers with {@code pwrite} from their array, direct ones through the channel (no copy either way). */
    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        ensureWritable();
        checkRange(offset, src.remaining());
        if (src.hasArray() && fd >= 0) {
            writeFromArray(offset, src.array(), src.arrayOffset() + src.position(), src.remaining());
            return;
        }
        ByteBuffer b = src.duplicate();
        long pos = offset;
        while (b.hasRemaining()) {
            pos += channel.write(b, pos);
        }
    }

    private void readIntoArray(long offset, byte[] a, int off, int len) throws IOException {
        for (int done = 0; done < len; ) {
            int n = Libc.pread(fd, a, off + done, Math.min(Libc.MAX_HEAP_TRANSFER, len - done), offset + done,
                    path.toString());
            if (n == 0) {
                Arrays.fill(a, off + done, off + len, (byte) 0);
                return;
            }
            done += n;
        }
    }

    private void writeFromArray(long offset, byte[] a, int off, int len) throws IOException {
        for (int done = 0; done < len; ) {
            done += Libc.pwrite(fd, a, off + done, Math.min(Libc.MAX_HEAP_TRANSFER, len - done), offset + done,
                    path.toString());
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
            if (punchHole(fd, path, offset, length)) {
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

    /** Holes as the file system reports them ({@code lseek SEEK_DATA/SEEK_HOLE}); all data without native access. */
    @Override
    public List<Extent> extents(long offset, long length, int maxExtents) throws IOException {
        checkRange(offset, length);
        if (fd < 0) {
            return List.of(new Extent(offset, length, false));
        }
        return FileExtents.of(fd, path.toString(), offset, length, maxExtents);
    }

    @Override
    public void close() throws IOException {
        try {
            channel.close();
        } finally {
            Libc.close(fd); // also releases the lock
        }
    }

    @Override
    public String toString() {
        return "FileBlockDevice[" + path + ", " + size + " bytes" + (blockDevice ? ", block device" : "")
                + (readOnly ? ", read-only]" : "]");
    }

    /**
     * fallocate(PUNCH_HOLE | KEEP_SIZE): the range reads back as zeroes and its storage is
     * released. False when the file system or device cannot do it (EOPNOTSUPP, ENOSYS), so the
     * caller can fall back; other failures throw.
     */
    private static boolean punchHole(int fd, Path path, long offset, long length) throws IOException {
        try {
            Libc.fallocate(fd, Libc.FALLOC_FL_PUNCH_HOLE | Libc.FALLOC_FL_KEEP_SIZE, offset, length, path.toString());
            return true;
        } catch (NativeException e) {
            if (e.errno() == Errno.EOPNOTSUPP || e.errno() == Errno.ENOSYS) {
                return false;
            }
            throw e;
        }
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
