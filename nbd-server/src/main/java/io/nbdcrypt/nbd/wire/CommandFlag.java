package io.nbdcrypt.nbd.wire;

/**
 * The command flags {@code doc/proto.md} defines ("Command flags"), each one bit of the
 * request's 16-bit flags field. Which of them a command may carry is the request validator's
 * business; see {@link CommandFlags} for a set of them as it came off the wire.
 */
public enum CommandFlag {
    /** Persist the data this command writes before replying. Valid on every command once advertised. */
    FUA(NbdProtocol.CMD_FLAG_FUA, "FUA"),
    /** WRITE_ZEROES only: do not punch a hole. */
    NO_HOLE(NbdProtocol.CMD_FLAG_NO_HOLE, "NO_HOLE"),
    /** READ only, when advertised: one content chunk. */
    DF(NbdProtocol.CMD_FLAG_DF, "DF"),
    /** BLOCK_STATUS only: at most one extent, no longer than the request. */
    REQ_ONE(NbdProtocol.CMD_FLAG_REQ_ONE, "REQ_ONE"),
    /** WRITE_ZEROES only, when advertised: fail fast rather than write slowly. */
    FAST_ZERO(NbdProtocol.CMD_FLAG_FAST_ZERO, "FAST_ZERO");

    private final int bit;
    private final String specName;

    CommandFlag(int bit, String specName) {
        this.bit = bit;
        this.specName = specName;
    }

    /** The flag's bit in the 16-bit field. */
    public int bit() {
        return bit;
    }

    @Override
    public String toString() {
        return specName;
    }
}
