package io.nbdcrypt.nbd.handshake;

import io.nbdcrypt.nbd.backend.Export;
import io.nbdcrypt.nbd.transmission.MetaContext;
import java.util.Set;

/**
 * What one connection negotiated so far.
 *
 * @param noZeroes          client set NBD_FLAG_C_NO_ZEROES: no padding after EXPORT_NAME's reply
 * @param structuredReplies NBD_OPT_STRUCTURED_REPLY was acknowledged
 * @param metaExport        the export the last NBD_OPT_SET_META_CONTEXT named, or null
 * @param metaContexts      what that option selected (used only if the same export is then chosen)
 */
record SessionState(boolean noZeroes, boolean structuredReplies, Export metaExport, Set<MetaContext> metaContexts) {
    SessionState(boolean noZeroes, boolean structuredReplies) {
        this(noZeroes, structuredReplies, null, Set.of());
    }

    SessionState {
        metaContexts = Set.copyOf(metaContexts);
    }

    SessionState withStructuredReplies() {
        return new SessionState(noZeroes, true, metaExport, metaContexts);
    }

    /** The result of an NBD_OPT_SET_META_CONTEXT; it replaces any earlier one, even a failed one (null, empty). */
    SessionState withMetaContexts(Export export, Set<MetaContext> contexts) {
        return new SessionState(noZeroes, structuredReplies, export, contexts);
    }

    /** The contexts that apply to a transmission phase on {@code export}. */
    Set<MetaContext> metaContextsFor(Export export) {
        return export == metaExport ? metaContexts : Set.of();
    }
}
