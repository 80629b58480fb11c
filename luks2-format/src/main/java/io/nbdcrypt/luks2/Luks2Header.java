package io.nbdcrypt.luks2;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nbdcrypt.luks2.digest.Digest;
import io.nbdcrypt.luks2.disk.BinaryHeader;
import io.nbdcrypt.luks2.keyslot.Keyslot;
import io.nbdcrypt.luks2.segment.Segment;
import io.nbdcrypt.luks2.token.Token;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A LUKS2 header that passed every check of {@link HeaderValidator}: the in-memory form.
 * Only the validator makes these, so holding one means the metadata is consistent and on the
 * allow-lists. Immutable; the JSON tree is copied in and out.
 *
 * @param binary the binary header of the copy this came from
 */
public record Luks2Header(BinaryHeader binary, Luks2Config config, Map<Integer, Keyslot> keyslots,
        Map<Integer, Segment> segments, Map<Integer, Digest> digests, Map<Integer, Token> tokens, ObjectNode json) {

    public Luks2Header {
        // Sorted by id, so listings come out in the order cryptsetup prints them.
        keyslots = Collections.unmodifiableSortedMap(new TreeMap<>(keyslots));
        segments = Collections.unmodifiableSortedMap(new TreeMap<>(segments));
        digests = Collections.unmodifiableSortedMap(new TreeMap<>(digests));
        tokens = Collections.unmodifiableSortedMap(new TreeMap<>(tokens));
        json = json.deepCopy();
    }

    /** A copy of the metadata JSON, for rewriting (which must go through validation again). */
    @Override
    public ObjectNode json() {
        return json.deepCopy();
    }

    public long hdrSize() {
        return binary.hdrSize();
    }

    public long seqid() {
        return binary.seqid();
    }

    public String uuid() {
        return binary.uuid();
    }

    /** First byte after both header copies and the keyslots area. */
    public long metadataEnd() {
        return 2 * binary.hdrSize() + config.keyslotsSize();
    }

    /** The data segment (validation guarantees exactly one, id 0). */
    public Segment dataSegment() {
        return segments.get(0);
    }

    /** The digest that covers keyslot {@code id}, if any. */
    public Optional<Digest> digestFor(int keyslotId) {
        return digests.values().stream().filter(d -> d.keyslots().contains(keyslotId)).findFirst();
    }

    /** The digest of the data segment's volume key. */
    public Digest segmentDigest() {
        return digests.values().stream().filter(d -> d.segments().contains(0)).findFirst().orElseThrow();
    }
}
