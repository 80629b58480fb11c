package io.nbdcrypt.nbd.transmission;

import static io.nbdcrypt.nbd.wire.NbdProtocol.*;

import io.nbdcrypt.nbd.backend.Export;
import io.nbdcrypt.nbd.codec.NbdRequest;

/**
 * The one place where a request is checked before it reaches the device; the device layer
 * only asserts. Order: known command, allowed flags, payload size, read-only, range. Error
 * values follow {@code doc/proto.md}: EINVAL for unknown commands/flags, bad offsets and
 * zero lengths; ENOSPC for writes past the end; EPERM for writes to a read-only export;
 * EOVERFLOW for a length above the advertised maximum payload.
 */
public final class RequestValidator {
    private RequestValidator() {}

    /**
     * @return {@code null} when the request may be executed, otherwise the error to reply with
     */
    public static NbdError validate(NbdRequest r, Export export, int maxPayload) {
        int allowedFlags;
        switch (r.type()) {
            case CMD_READ, CMD_WRITE, CMD_FLUSH -> allowedFlags = CMD_FLAG_FUA;
            case CMD_WRITE_ZEROES -> allowedFlags = CMD_FLAG_FUA | CMD_FLAG_NO_HOLE;
            case CMD_TRIM -> {
                if (!export.trimEnabled()) {
                    return error(EINVAL, r, export.readOnly() ? "export is read-only"
                            : "TRIM is not enabled on this export (serve --allow-discards)");
                }
                allowedFlags = CMD_FLAG_FUA;
            }
            default -> {
                return error(EINVAL, r, "unsupported command");
            }
        }
        if ((r.flags() & ~allowedFlags) != 0) {
            return error(EINVAL, r, "flags 0x" + Integer.toHexString(r.flags() & ~allowedFlags)
                    + " are not valid for this command");
        }
        boolean writes = r.type() != CMD_READ && r.type() != CMD_FLUSH;
        if (r.payloadDropped() || (r.type() == CMD_READ && r.length() > maxPayload)) {
            return error(EOVERFLOW, r, "length exceeds the maximum payload of " + maxPayload + " bytes");
        }
        if (writes && export.readOnly()) {
            return error(EPERM, r, "export is read-only");
        }
        if (r.type() == CMD_FLUSH) {
            return r.offset() == 0 && r.length() == 0 ? null : error(EINVAL, r, "offset and length must be 0");
        }
        if (r.length() == 0) {
            return error(EINVAL, r, "length must not be 0");
        }
        long size = export.size();
        // offset is unsigned: a negative long is above 2^63, past any export.
        if (r.offset() < 0 || r.offset() > size || r.length() > size - r.offset()) {
            boolean isWrite = r.type() == CMD_WRITE || r.type() == CMD_WRITE_ZEROES;
            return error(isWrite ? ENOSPC : EINVAL, r, "range ends past the export size " + size);
        }
        return null;
    }

    private static NbdError error(int errno, NbdRequest r, String why) {
        return new NbdError(errno, r + ": " + why);
    }
}
