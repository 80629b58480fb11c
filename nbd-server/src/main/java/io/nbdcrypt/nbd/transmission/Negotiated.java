package io.nbdcrypt.nbd.transmission;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * What the handshake agreed for one connection that the transmission phase must honour.
 * A connection handed over without an NBD handshake (e.g. a socket given to the kernel's
 * client) uses {@link #SIMPLE}: simple replies, no block status.
 *
 * @param structuredReplies {@code NBD_OPT_STRUCTURED_REPLY} was acknowledged
 * @param metaContexts      the contexts selected by the last {@code NBD_OPT_SET_META_CONTEXT}
 *                          for the export that was then chosen (empty: BLOCK_STATUS is refused)
 */
public record Negotiated(boolean structuredReplies, Set<MetaContext> metaContexts) {

    /** Simple replies only, no metadata contexts. */
    public static final Negotiated SIMPLE = new Negotiated(false, Set.of());

    public Negotiated {
        metaContexts = metaContexts.isEmpty() ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf(metaContexts));
        if (!structuredReplies && !metaContexts.isEmpty()) {
            throw new IllegalArgumentException("metadata contexts need structured replies");
        }
    }

    /** Structured or simple replies, no metadata contexts. */
    public static Negotiated replies(boolean structured) {
        return new Negotiated(structured, Set.of());
    }
}
