package io.nbdcrypt.provision;

import io.nbdcrypt.block.FileBlockDevice;
import io.nbdcrypt.linux.BlockDevices;
import io.nbdcrypt.linux.Libc;
import io.nbdcrypt.linux.NativeException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * What destroy does to the raw disk once the key is gone: {@code BLKDISCARD} of the whole
 * block device (the host may free the space), holes punched through a whole image file, or,
 * where the device refuses both, its first and last MiB overwritten with zeroes. The
 * ciphertext left anywhere is unreadable without the wiped key either way.
 */
final class RawDiscard {
    private static final int MIB = 1 << 20;

    private RawDiscard() {}

    /** Returns what was done, for the report. {@code dev} is still open (exclusively) and stays so. */
    static String discard(Path path, FileBlockDevice dev) throws IOException {
        long size = dev.size();
        try {
            int fd = Libc.open(path, Libc.O_RDWR);
            try {
                if (dev.isBlockDevice()) {
                    BlockDevices.discard(fd, 0, size, path.toString());
                    return "BLKDISCARD of all " + size + " bytes";
                }
                Libc.fallocate(fd, Libc.FALLOC_FL_PUNCH_HOLE | Libc.FALLOC_FL_KEEP_SIZE, 0, size, path.toString());
                return "punched holes through all " + size + " bytes";
            } finally {
                Libc.close(fd);
            }
        } catch (NativeException refused) {
            overwrite(dev, 0, Math.min(MIB, size));
            overwrite(dev, Math.max(0, size - MIB), Math.min(MIB, size));
            dev.flush();
            return "discard refused (" + refused.getMessage() + "); overwrote the first and last MiB with zeroes";
        }
    }

    private static void overwrite(FileBlockDevice dev, long offset, long length) throws IOException {
        dev.write(offset, ByteBuffer.allocate((int) length));
    }
}
