package io.nbdcrypt.block;

import java.io.IOException;

/**
 * Stored data failed verification: what the host holds for this range is not what this volume
 * wrote there (changed, moved, replayed, zeroed or punched out). The request fails (EIO for an
 * NBD client); the device has already logged it, rate-limited, and counted it, so callers
 * need not log it again. The message names the sector or metadata node, never any bytes.
 * Carries no stack trace: it is an answer to hostile input, not a bug.
 */
public final class AuthenticationFailedException extends IOException {
    private static final long serialVersionUID = 1L;

    private final long sector;

    /** @param sector the first sector of the request that failed, or -1 if metadata above the sectors failed */
    public AuthenticationFailedException(String message, long sector) {
        super(message);
        this.sector = sector;
    }

    /** The first failing sector (in the volume's sectors), or -1 when a metadata node failed. */
    public long sector() {
        return sector;
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
