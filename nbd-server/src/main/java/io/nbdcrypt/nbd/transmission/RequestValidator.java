package io.nbdcrypt.nbd.transmission;

import static io.nbdcrypt.nbd.wire.CommandFlag.FUA;
import static io.nbdcrypt.nbd.wire.CommandFlag.NO_HOLE;
import static io.nbdcrypt.nbd.wire.CommandFlag.REQ_ONE;
import static io.nbdcrypt.nbd.wire.NbdErrno.EINVAL;
import static io.nbdcrypt.nbd.wire.NbdErrno.ENOSPC;
import static io.nbdcrypt.nbd.wire.NbdErrno.EPERM;

import io.nbdcrypt.nbd.backend.Export;
import io.nbdcrypt.nbd.codec.NbdRequest;
import io.nbdcrypt.nbd.codec.UnknownCommand;
import io.nbdcrypt.nbd.wire.CommandFlag;
import io.nbdcrypt.nbd.wire.CommandType;
import io.nbdcrypt.nbd.wire.NbdErrno;
import java.util.EnumSet;
import java.util.Set;

/**
 * The one place where a request is checked before it reaches the device; the device layer
 * only asserts. Order: supported command, allowed flags, payload size, read-only, range.
 *
 * <p>Error values follow {@code doc/proto.md} ("Error values" and each request type):
 * EINVAL for unknown or unadvertised commands and flags (so DF and FAST_ZERO, which are not
 * advertised, and BLOCK_STATUS without a negotiated metadata context), for READ and WRITE
 * lengths above the advertised maximum payload (the spec reserves EOVERFLOW for READ with DF,
 * which is not offered, and for payload-less commands, which take any length here), for zero
 * lengths, for a FLUSH with an offset or length, and for reads, trims and block status past
 * the end; ENOSPC for writes and write-zeroes past the end; EPERM for writes, write-zeroes and
 * trims on a read-only export.
 */
public final class RequestValidator {
    private static final Set<CommandFlag> FUA_ONLY = EnumSet.of(FUA);
    private static final Set<CommandFlag> WRITE_ZEROES_FLAGS = EnumSet.of(FUA, NO_HOLE);
    private static final Set<CommandFlag> BLOCK_STATUS_FLAGS = EnumSet.of(FUA, REQ_ONE);

    private RequestValidator() {}

    /** As {@link #validate(NbdRequest, Export, int, Negotiated)} for a connection with no metadata contexts. */
    public static Validation validate(NbdRequest r, Export export, int maxPayload) {
        return validate(r, export, maxPayload, Negotiated.SIMPLE);
    }

    /**
     * @param negotiated what the connection agreed in the handshake (BLOCK_STATUS needs a context)
     * @return {@link Validation#VALID}, or the error to reply with
     */
    public static Validation validate(NbdRequest r, Export export, int maxPayload, Negotiated negotiated) {
        Validation support = supported(r, export, negotiated);
        if (support instanceof Validation.Invalid) {
            return support;
        }
        Set<CommandFlag> allowed = switch (r.type()) {
            case WRITE_ZEROES -> WRITE_ZEROES_FLAGS;
            case BLOCK_STATUS -> BLOCK_STATUS_FLAGS;
            default -> FUA_ONLY;
        };
        int bad = r.flags().outside(allowed);
        if (bad != 0) {
            return refuse(EINVAL, r, "flags 0x" + Integer.toHexString(bad) + " are not valid for this command");
        }
        if (r.payloadDropped() || (r.type() == CommandType.READ && r.length() > maxPayload)) {
            return refuse(EINVAL, r, "length exceeds the maximum payload of " + maxPayload + " bytes");
        }
        boolean writes = r.type() == CommandType.WRITE || r.type() == CommandType.WRITE_ZEROES;
        if (writes && export.readOnly()) {
            return refuse(EPERM, r, "export is read-only");
        }
        if (r.type() == CommandType.FLUSH) {
            return r.offset() == 0 && r.length() == 0 ? Validation.VALID
                    : refuse(EINVAL, r, "offset and length must be 0");
        }
        if (r.length() == 0) {
            return refuse(EINVAL, r, "length must not be 0");
        }
        long size = export.size();
        // offset is unsigned: a negative long is above 2^63, past any export.
        if (r.offset() < 0 || r.offset() > size || r.length() > size - r.offset()) {
            return refuse(writes ? ENOSPC : EINVAL, r, "range ends past the export size " + size);
        }
        return Validation.VALID;
    }

    /** Whether this server runs the command on this export and connection at all. */
    private static Validation supported(NbdRequest r, Export export, Negotiated negotiated) {
        return switch (r.type()) {
            case READ, WRITE, FLUSH, WRITE_ZEROES -> Validation.VALID;
            // A trim on a read-only export is a write there (EPERM), even though it is not advertised.
            case TRIM -> export.readOnly() ? refuse(EPERM, r, "export is read-only")
                    : export.trimEnabled() ? Validation.VALID
                    : refuse(EINVAL, r, "TRIM is not enabled on this export (serve --allow-discards)");
            case BLOCK_STATUS -> negotiated.metaContexts().isEmpty()
                    ? refuse(EINVAL, r, "no metadata context was negotiated (NBD_OPT_SET_META_CONTEXT)")
                    : Validation.VALID;
            case DISC, CACHE, RESIZE -> refuse(EINVAL, r, "unsupported command");
        };
    }

    /** A command type the spec does not define: EINVAL, as the spec asks. */
    public static Validation.Invalid unknown(UnknownCommand c) {
        return new Validation.Invalid(new NbdError(EINVAL, c + ": unknown command"));
    }

    private static Validation refuse(NbdErrno errno, NbdRequest r, String why) {
        return new Validation.Invalid(new NbdError(errno, r + ": " + why));
    }
}
