package io.nbdcrypt.kernel.dm;

import java.io.IOException;

/**
 * The dm-crypt backend could not do what was asked, for a {@link Reason} a caller can branch
 * on (an agent falls back to the NBD backend on {@link Reason#UNAVAILABLE}) and a message a
 * user can act on. Never carries key material. When this is thrown from an open, nothing was
 * left behind: no mapping, no key in the keyring, no device node.
 */
public final class DmCryptException extends IOException {
    private static final long serialVersionUID = 1L;

    /** Why it failed. */
    public enum Reason {
        /** This kernel or machine has no device-mapper, no dm-crypt target, or no keyring support. */
        UNAVAILABLE,
        /** The caller may not use device-mapper: it needs CAP_SYS_ADMIN (root). */
        PERMISSION,
        /** A mapping of that name (or that DM UUID) already exists. */
        NAME_TAKEN,
        /** The data device is mounted, mapped or held open exclusively by another program. */
        DEVICE_IN_USE,
        /** No mapping of that name. */
        NO_SUCH_MAPPING,
        /** The mapping is open (mounted, or held by a program), so it cannot be closed. */
        MAPPING_BUSY,
        /** The device or mapping is not what this command works on (not a block device, not dm-crypt, LUKS1). */
        UNSUPPORTED,
        /** The kernel refused the table or another call failed; the message says which. */
        FAILED
    }

    private final Reason reason;

    public DmCryptException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public DmCryptException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
