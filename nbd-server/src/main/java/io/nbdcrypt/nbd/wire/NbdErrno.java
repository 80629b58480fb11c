package io.nbdcrypt.nbd.wire;

/**
 * The error values the spec allows in a reply ({@code doc/proto.md}, "Error values"), and
 * nothing else: a reply can only carry one of these. When each is due is decided in one place
 * for requests refused before they run ({@code RequestValidator}) and one for failures while
 * they run ({@code ErrnoMapper}).
 */
public enum NbdErrno {
    EPERM(NbdProtocol.EPERM),
    EIO(NbdProtocol.EIO),
    ENOMEM(NbdProtocol.ENOMEM),
    EINVAL(NbdProtocol.EINVAL),
    ENOSPC(NbdProtocol.ENOSPC),
    EOVERFLOW(NbdProtocol.EOVERFLOW),
    ENOTSUP(NbdProtocol.ENOTSUP),
    ESHUTDOWN(NbdProtocol.ESHUTDOWN);

    private final int code;

    NbdErrno(int code) {
        this.code = code;
    }

    /** The 32-bit value on the wire. */
    public int code() {
        return code;
    }
}
