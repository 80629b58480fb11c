package io.nbdcrypt.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Block-device ioctls ({@code linux/fs.h}). */
public final class BlockDevices {
    /** {@code _IOR(0x12, 114, size_t)} on 64-bit Linux: the device size in bytes. */
    static final long BLKGETSIZE64 = 0x80081272L;

    private BlockDevices() {}

    /** The size in bytes of the block device open at {@code fd} (whose {@code st_size} is 0). */
    public static long size(int fd, String target) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment size = arena.allocate(ValueLayout.JAVA_LONG);
            Libc.ioctl(fd, BLKGETSIZE64, size, "BLKGETSIZE64", target);
            return size.get(ValueLayout.JAVA_LONG, 0);
        }
    }
}
