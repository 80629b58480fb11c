package io.nbdcrypt.nbd.backend;

import io.nbdcrypt.block.BlockDevice;
import io.nbdcrypt.nbd.wire.NbdProtocol;
import java.util.Objects;

/**
 * One exported device: a {@link BlockDevice} under a name, with what the server promises for
 * it. Every connection to the export shares the same device object, which is why the export
 * can advertise {@code NBD_FLAG_CAN_MULTI_CONN}: a FLUSH on any connection syncs the one
 * backing file that all of them write to.
 *
 * @param name          export name ({@code ""} is allowed)
 * @param description   human-readable text for {@code NBD_INFO_DESCRIPTION}, or {@code ""}
 * @param device        the plaintext view that requests go to
 * @param readOnly      refuse writes even if the device could take them
 * @param allowDiscards advertise and honour {@code NBD_CMD_TRIM} (off by default: trimming
 *                      tells the host which blocks are free)
 */
public record Export(String name, String description, BlockDevice device, boolean readOnly,
        boolean allowDiscards) {

    public Export {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(device, "device");
        if (name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > NbdProtocol.MAX_STRING_LENGTH) {
            throw new IllegalArgumentException("export name longer than " + NbdProtocol.MAX_STRING_LENGTH + " bytes");
        }
        readOnly = readOnly || device.isReadOnly();
    }

    /** Size of the export in bytes. */
    public long size() {
        return device.size();
    }

    /** Whether TRIM is honoured (and so advertised): only on writable exports with discards allowed. */
    public boolean trimEnabled() {
        return allowDiscards && !readOnly;
    }

    /** The transmission flags: exactly what this server honours for this export. */
    public int transmissionFlags() {
        int f = NbdProtocol.FLAG_HAS_FLAGS
                | NbdProtocol.FLAG_SEND_FLUSH
                | NbdProtocol.FLAG_SEND_FUA
                | NbdProtocol.FLAG_SEND_WRITE_ZEROES
                | NbdProtocol.FLAG_CAN_MULTI_CONN;
        if (readOnly) {
            f |= NbdProtocol.FLAG_READ_ONLY;
        }
        if (trimEnabled()) {
            f |= NbdProtocol.FLAG_SEND_TRIM;
        }
        return f;
    }
}
