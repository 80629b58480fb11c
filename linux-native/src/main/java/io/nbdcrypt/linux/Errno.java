package io.nbdcrypt.linux;

import java.util.Map;

/**
 * The Linux errno values this project reacts to, and a readable name for any of them in
 * messages ("EBUSY (device or resource busy)"). Values are those of the x86-64 and arm64
 * generic ABI ({@code asm-generic/errno-base.h}, {@code errno.h}).
 */
public final class Errno {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int ENXIO = 6;
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    /** Same value as {@link #EAGAIN} on Linux: what a non-blocking {@code flock} returns when the lock is held. */
    public static final int EWOULDBLOCK = EAGAIN;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int ENODEV = 19;
    public static final int ENOTDIR = 20;
    public static final int EISDIR = 21;
    public static final int EINVAL = 22;
    public static final int ENOTTY = 25;
    public static final int ENOSPC = 28;
    public static final int EROFS = 30;
    public static final int ENOSYS = 38;
    public static final int ENODATA = 61;
    public static final int EOPNOTSUPP = 95;
    public static final int ETIMEDOUT = 110;
    public static final int EDQUOT = 122;
    public static final int ENOKEY = 126;
    public static final int EKEYEXPIRED = 127;
    public static final int EKEYREVOKED = 128;
    public static final int EKEYREJECTED = 129;

    private static final Map<Integer, String> NAMES = Map.ofEntries(
            Map.entry(EPERM, "EPERM (operation not permitted)"),
            Map.entry(ENOENT, "ENOENT (no such file or directory)"),
            Map.entry(EINTR, "EINTR (interrupted system call)"),
            Map.entry(EIO, "EIO (input/output error)"),
            Map.entry(ENXIO, "ENXIO (no such device or address)"),
            Map.entry(EBADF, "EBADF (bad file descriptor)"),
            Map.entry(EAGAIN, "EAGAIN (resource temporarily unavailable)"),
            Map.entry(ENOMEM, "ENOMEM (cannot allocate memory)"),
            Map.entry(EACCES, "EACCES (permission denied)"),
            Map.entry(EBUSY, "EBUSY (device or resource busy)"),
            Map.entry(EEXIST, "EEXIST (file exists)"),
            Map.entry(ENODEV, "ENODEV (no such device)"),
            Map.entry(ENOTDIR, "ENOTDIR (not a directory)"),
            Map.entry(EISDIR, "EISDIR (is a directory)"),
            Map.entry(EINVAL, "EINVAL (invalid argument)"),
            Map.entry(ENOTTY, "ENOTTY (inappropriate ioctl for device)"),
            Map.entry(ENOSPC, "ENOSPC (no space left on device)"),
            Map.entry(EROFS, "EROFS (read-only file system)"),
            Map.entry(ENOSYS, "ENOSYS (function not implemented)"),
            Map.entry(ENODATA, "ENODATA (no data available)"),
            Map.entry(EOPNOTSUPP, "EOPNOTSUPP (operation not supported)"),
            Map.entry(ETIMEDOUT, "ETIMEDOUT (connection timed out)"),
            Map.entry(EDQUOT, "EDQUOT (disk quota exceeded)"),
            Map.entry(ENOKEY, "ENOKEY (required key not available)"),
            Map.entry(EKEYEXPIRED, "EKEYEXPIRED (key has expired)"),
            Map.entry(EKEYREVOKED, "EKEYREVOKED (key has been revoked)"),
            Map.entry(EKEYREJECTED, "EKEYREJECTED (key was rejected by service)"));

    private Errno() {}

    /** {@code "EBUSY (device or resource busy)"}, or {@code "errno 77"} for values not listed here. */
    public static String describe(int errno) {
        return NAMES.getOrDefault(errno, "errno " + errno);
    }
}
