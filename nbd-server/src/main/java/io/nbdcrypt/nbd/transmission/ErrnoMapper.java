package io.nbdcrypt.nbd.transmission;

import static io.nbdcrypt.nbd.wire.NbdErrno.*;

import io.nbdcrypt.block.ReadOnlyDeviceException;
import io.nbdcrypt.nbd.codec.NbdRequest;
import io.nbdcrypt.nbd.wire.NbdErrno;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.RejectedExecutionException;

/**
 * The one table from what went wrong while executing a request to the NBD error value the
 * client receives ({@code doc/proto.md}, "Error values"). Anything unexpected is EIO: the client
 * learns the request failed, the log learns why.
 *
 * <ul>
 *   <li>a write to a device opened read-only: EPERM;</li>
 *   <li>the device or the worker pool already closed by a server shutdown: ESHUTDOWN;</li>
 *   <li>ENOSPC, EDQUOT and EFBIG from the file system: ENOSPC, as the spec asks;</li>
 *   <li>any other I/O failure: EIO;</li>
 *   <li>an argument the validator should have refused: EINVAL (a bug, but not the client's loss);</li>
 *   <li>out of memory: ENOMEM (the spec discourages it; it is still the truth, and rare:
 *       buffers are bounded per connection).</li>
 * </ul>
 */
public final class ErrnoMapper {
    private ErrnoMapper() {}

    public static NbdError map(Throwable t, NbdRequest r) {
        NbdErrno errno = switch (t) {
            case ReadOnlyDeviceException e -> EPERM;
            case ClosedChannelException e -> ESHUTDOWN;
            case RejectedExecutionException e -> ESHUTDOWN;
            case IOException e when isNoSpace(e) -> ENOSPC;
            case IOException e -> EIO;
            case IllegalArgumentException e -> EINVAL;
            case IndexOutOfBoundsException e -> EINVAL;
            case OutOfMemoryError e -> ENOMEM;
            default -> EIO;
        };
        return new NbdError(errno, r + ": " + t.getClass().getSimpleName()
                + (t.getMessage() == null ? "" : ": " + t.getMessage()));
    }

    /** ENOSPC, EDQUOT and EFBIG all become ENOSPC, as the spec asks. */
    private static boolean isNoSpace(IOException e) {
        String m = e.getMessage();
        return m != null && (m.contains("No space left") || m.contains("Disk quota exceeded")
                || m.contains("File too large"));
    }
}
