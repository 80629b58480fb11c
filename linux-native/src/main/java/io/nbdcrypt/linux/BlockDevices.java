package io.nbdcrypt.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Block devices: their ioctls ({@code linux/fs.h}) and telling a device node from other files. */
public final class BlockDevices {
    /** {@code _IOR(0x12, 114, size_t)} on 64-bit Linux: the device size in bytes. */
    static final long BLKGETSIZE64 = 0x80081272L;
    /** {@code _IO(0x12, 119)}: discard a byte range, given as {@code uint64_t[2]} (start, length). */
    static final long BLKDISCARD = 0x1277L;

    private static final int S_IFMT = 0170000;
    private static final int S_IFBLK = 0060000;

    private BlockDevices() {}

    /**
     * The device number of the block device {@code path} is (or links to); empty for anything
     * else, or when its mode cannot be read.
     */
    public static Optional<DeviceNumber> numberOf(Path path) {
        try {
            var a = Files.readAttributes(path, "unix:mode,rdev");
            if (((Integer) a.get("mode") & S_IFMT) != S_IFBLK) {
                return Optional.empty();
            }
            return Optional.of(DeviceNumber.decode((Long) a.get("rdev")));
        } catch (java.io.IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The size in bytes of the block device open at {@code fd} (whose {@code st_size} is 0). */
    public static long size(int fd, String target) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment size = arena.allocate(ValueLayout.JAVA_LONG);
            Libc.ioctl(fd, BLKGETSIZE64, size, "BLKGETSIZE64", target);
            return size.get(ValueLayout.JAVA_LONG, 0);
        }
    }

    /**
     * {@code BLKDISCARD}: tells the device the range is unused (a virtio disk passes it to the
     * host, which may free the space). What the range reads afterwards is up to the device.
     *
     * @throws NativeException EOPNOTSUPP when the device does not discard
     */
    public static void discard(int fd, long offset, long length, String target) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment range = arena.allocate(ValueLayout.JAVA_LONG, 2);
            range.setAtIndex(ValueLayout.JAVA_LONG, 0, offset);
            range.setAtIndex(ValueLayout.JAVA_LONG, 1, length);
            Libc.ioctl(fd, BLKDISCARD, range, "BLKDISCARD", target);
        }
    }
}
