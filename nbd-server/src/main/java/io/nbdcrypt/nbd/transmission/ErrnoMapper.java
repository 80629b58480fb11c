package io.nbdcrypt.nbd.transmission;

import static io.nbdcrypt.nbd.wire.NbdProtocol.*;

import io.nbdcrypt.block.ReadOnlyDeviceException;
import io.nbdcrypt.nbd.codec.NbdRequest;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.RejectedExecutionException;

/**
 * The one table from what went wrong while executing a request to the NBD error value the
 * client receives. Anything unexpected is EIO: the client learns the request failed, the log
 * learns why.
 */
public final class ErrnoMapper {
    private ErrnoMapper() {}

    public static NbdError map(Throwable t, NbdRequest r) {
        int errno = switch (t) {
            case ReadOnlyDeviceException e -> EPERM;
            case ClosedChannelException e -> ESHUTDOWN;
            case RejectedExecutionException e -> ESHUTDOWN;
            case IOException e when isNoSpace(e) -> ENOSPC;
            case IOException e -> EIO;
            // The validator should have caught these; report as invalid rather than crash.
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
