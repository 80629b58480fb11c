package io.nbdcrypt.block;

import io.nbdcrypt.linux.Errno;
import io.nbdcrypt.linux.Libc;
import io.nbdcrypt.linux.NativeException;
import java.util.ArrayList;
import java.util.List;

/**
 * The holes of a file or block device, from {@code lseek(SEEK_DATA / SEEK_HOLE)}: the file
 * system's own record of which blocks it never allocated or released (punched holes). Block
 * devices and file systems without hole support report everything as data, which is true.
 */
final class FileExtents {
    private FileExtents() {}

    /** See {@link BlockDevice#extents}; {@code fd} is open on {@code target}. */
    static List<Extent> of(int fd, String target, long offset, long length, int maxExtents) throws NativeException {
        List<Extent> out = new ArrayList<>();
        long end = offset + length;
        long pos = offset;
        while (pos < end && out.size() < maxExtents) {
            long data = nextData(fd, target, pos, end);
            if (data > pos) {
                out.add(new Extent(pos, data - pos, true));
                pos = data;
                continue;
            }
            long hole = Math.min(end, Libc.lseek(fd, pos, Libc.SEEK_HOLE, target));
            out.add(new Extent(pos, hole - pos, false));
            pos = hole;
        }
        return out;
    }

    /** The first data offset at or after {@code pos}, or {@code end} when there is none before it. */
    private static long nextData(int fd, String target, long pos, long end) throws NativeException {
        try {
            return Math.min(end, Libc.lseek(fd, pos, Libc.SEEK_DATA, target));
        } catch (NativeException e) {
            if (e.errno() == Errno.ENXIO) {
                return end;   // only a hole from pos to the end of the file
            }
            throw e;
        }
    }
}
