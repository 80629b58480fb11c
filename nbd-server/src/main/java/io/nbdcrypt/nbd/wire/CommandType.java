package io.nbdcrypt.nbd.wire;

import java.util.Optional;

/**
 * The transmission-phase command types {@code doc/proto.md} defines ("Request types"). The
 * request decoder turns the 16-bit type field into one of these, so nothing past the codec
 * switches on a bare number; a number not listed here arrives as the codec's
 * {@code UnknownCommand} instead.
 */
public enum CommandType {
    READ(NbdProtocol.CMD_READ, "NBD_CMD_READ"),
    WRITE(NbdProtocol.CMD_WRITE, "NBD_CMD_WRITE"),
    DISC(NbdProtocol.CMD_DISC, "NBD_CMD_DISC"),
    FLUSH(NbdProtocol.CMD_FLUSH, "NBD_CMD_FLUSH"),
    TRIM(NbdProtocol.CMD_TRIM, "NBD_CMD_TRIM"),
    CACHE(NbdProtocol.CMD_CACHE, "NBD_CMD_CACHE"),
    WRITE_ZEROES(NbdProtocol.CMD_WRITE_ZEROES, "NBD_CMD_WRITE_ZEROES"),
    BLOCK_STATUS(NbdProtocol.CMD_BLOCK_STATUS, "NBD_CMD_BLOCK_STATUS"),
    RESIZE(NbdProtocol.CMD_RESIZE, "NBD_CMD_RESIZE");

    private static final CommandType[] BY_CODE = new CommandType[NbdProtocol.CMD_RESIZE + 1];

    static {
        for (CommandType t : values()) {
            BY_CODE[t.code] = t;
        }
    }

    private final int code;
    private final String specName;

    CommandType(int code, String specName) {
        this.code = code;
        this.specName = specName;
    }

    /** The 16-bit value on the wire. */
    public int code() {
        return code;
    }

    /** The type of a wire value, or empty for a number the spec does not define. */
    public static Optional<CommandType> of(int code) {
        return code >= 0 && code < BY_CODE.length ? Optional.of(BY_CODE[code]) : Optional.empty();
    }

    /** Only {@code NBD_CMD_WRITE} carries data after its header. */
    public boolean hasPayload() {
        return this == WRITE;
    }

    /** The spec's name, e.g. {@code NBD_CMD_READ}. */
    @Override
    public String toString() {
        return specName;
    }
}
