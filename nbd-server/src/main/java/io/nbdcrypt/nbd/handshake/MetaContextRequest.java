package io.nbdcrypt.nbd.handshake;

import io.nbdcrypt.nbd.transmission.MetaContext;
import io.nbdcrypt.nbd.wire.NbdProtocol;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The data of {@code NBD_OPT_LIST_META_CONTEXT} / {@code NBD_OPT_SET_META_CONTEXT}: export name
 * length (u32), name, number of queries (u32), then each query as length (u32) and string;
 * and which of our {@link MetaContext}s the queries pick ({@code doc/proto.md}, "Metadata
 * querying" and "The base: metadata namespace"). Pure parsing and matching.
 *
 * <p>Matching: a query must contain a colon (else it is invalid); queries of other namespaces
 * are ignored, as are unknown leaf names in {@code base:}. {@code base:allocation} picks that
 * context. {@code base:} alone is a wildcard when listing and ignored when setting. Listing with
 * no queries lists everything; setting with none selects nothing.
 */
record MetaContextRequest(String exportName, List<String> queries) {

    /** @throws IllegalArgumentException naming the field that does not fit the option length */
    static MetaContextRequest parse(byte[] data) {
        ByteBuffer b = ByteBuffer.wrap(data);
        String name = InfoRequest.decodeName(string(b, "export name", data.length));
        if (b.remaining() < 4) {
            throw new IllegalArgumentException("no room for the number of queries after the export name");
        }
        long count = Integer.toUnsignedLong(b.getInt());
        // Each query takes at least its 4-byte length: a count beyond that cannot be honest.
        if (count > b.remaining() / 4) {
            throw new IllegalArgumentException(count + " queries cannot fit the " + b.remaining() + " bytes left");
        }
        List<String> queries = new ArrayList<>();
        for (long i = 0; i < count; i++) {
            queries.add(InfoRequest.decodeName(string(b, "query " + (i + 1), data.length)));
        }
        if (b.hasRemaining()) {
            throw new IllegalArgumentException(b.remaining() + " bytes after the last query");
        }
        return new MetaContextRequest(name, List.copyOf(queries));
    }

    /** A u32 length, then that many bytes (at most the spec's string limit). */
    private static byte[] string(ByteBuffer b, String field, int total) {
        if (b.remaining() < 4) {
            throw new IllegalArgumentException("no room for the length of the " + field);
        }
        long len = Integer.toUnsignedLong(b.getInt());
        if (len > b.remaining()) {
            throw new IllegalArgumentException(field + " length " + len + " does not fit the " + total + "-byte option");
        }
        if (len > NbdProtocol.MAX_STRING_LENGTH) {
            throw new IllegalArgumentException(field + " is " + len + " bytes, above the " + NbdProtocol.MAX_STRING_LENGTH
                    + "-byte limit for strings");
        }
        byte[] s = new byte[(int) len];
        b.get(s);
        return s;
    }

    /**
     * The contexts the queries pick: for a listing ({@code NBD_OPT_LIST_META_CONTEXT}) or for
     * a selection ({@code NBD_OPT_SET_META_CONTEXT}).
     *
     * @throws IllegalArgumentException for a query without a namespace
     */
    Set<MetaContext> matches(boolean listing) {
        Set<MetaContext> found = EnumSet.noneOf(MetaContext.class);
        if (queries.isEmpty() && listing) {
            found.addAll(EnumSet.allOf(MetaContext.class));
        }
        for (String q : queries) {
            int colon = q.indexOf(':');
            if (colon < 1) {
                throw new IllegalArgumentException("query '" + q + "' does not start with a namespace and a colon");
            }
            if (q.equals("base:")) {
                if (listing) {
                    found.add(MetaContext.BASE_ALLOCATION);   // every base: context
                }
            } else {
                MetaContext.named(q).ifPresent(found::add);
            }
        }
        return found;
    }
}
