package io.nbdcrypt.nbd.transmission;

import java.util.Optional;

/**
 * The metadata contexts this server offers for {@code NBD_CMD_BLOCK_STATUS}, with the id the
 * handshake hands out for each ({@code NBD_OPT_SET_META_CONTEXT}) and block status replies
 * carry. Ids are fixed: the spec lets them vary between negotiations, and never requires it.
 */
public enum MetaContext {
    /**
     * {@code base:allocation} ({@code doc/proto.md}, "Metadata querying"): a hole is a range
     * the backing storage does not hold and that reads as zeroes ({@code NBD_STATE_HOLE |
     * NBD_STATE_ZERO}); everything else is data (flags 0).
     */
    BASE_ALLOCATION("base:allocation", 1);

    private final String contextName;
    private final int id;

    MetaContext(String contextName, int id) {
        this.contextName = contextName;
        this.id = id;
    }

    /** The name on the wire, namespace and leaf, e.g. {@code base:allocation}. */
    public String contextName() {
        return contextName;
    }

    /** The 32-bit id in {@code NBD_REP_META_CONTEXT} and {@code NBD_REPLY_TYPE_BLOCK_STATUS}. */
    public int id() {
        return id;
    }

    /** The context with exactly this name, if offered. */
    public static Optional<MetaContext> named(String name) {
        for (MetaContext c : values()) {
            if (c.contextName.equals(name)) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }
}
