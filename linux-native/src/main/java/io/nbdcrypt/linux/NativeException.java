package io.nbdcrypt.linux;

import java.io.IOException;

/**
 * A native call failed: names the call, what it was applied to, and errno (0 when the call
 * could not be made at all, e.g. off Linux), so callers can branch on {@link #errno()} and
 * users read "open /dev/vdb: EBUSY (device or resource busy)".
 */
public class NativeException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String call;
    private final int errno;

    /**
     * @param call   the function, e.g. {@code "ioctl(BLKGETSIZE64)"}
     * @param target what it was applied to (a path, a device), or {@code ""}
     * @param errno  the error number, 0 when there is none
     * @param detail extra text, or {@code null} (then the errno's description is used)
     */
    public NativeException(String call, String target, int errno, String detail) {
        super(call + (target.isEmpty() ? "" : " " + target) + ": " + (detail != null ? detail : Errno.describe(errno)));
        this.call = call;
        this.errno = errno;
    }

    /** {@link #NativeException(String, String, int, String)} with errno's own description. */
    public NativeException(String call, String target, int errno) {
        this(call, target, errno, null);
    }

    public String call() {
        return call;
    }

    /** The errno, or 0 when the call could not be made. */
    public int errno() {
        return errno;
    }
}
