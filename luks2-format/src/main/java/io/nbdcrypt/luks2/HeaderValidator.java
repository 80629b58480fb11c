package io.nbdcrypt.luks2;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nbdcrypt.luks.common.HeaderLocation;
import io.nbdcrypt.luks.common.LuksFormatException;
import io.nbdcrypt.luks.common.Printable;
import io.nbdcrypt.luks.common.Refusals;
import io.nbdcrypt.luks.common.UnsupportedFeatureException;
import io.nbdcrypt.luks2.digest.Digest;
import io.nbdcrypt.luks2.digest.DigestValidator;
import io.nbdcrypt.luks2.disk.BinaryHeader;
import io.nbdcrypt.luks2.disk.RawHeaderCopy;
import io.nbdcrypt.luks2.json.JsonArea;
import io.nbdcrypt.luks2.json.JsonFields;
import io.nbdcrypt.luks2.keyslot.Keyslot;
import io.nbdcrypt.luks2.keyslot.KeyslotValidator;
import io.nbdcrypt.luks2.segment.AuthenticatedIntegrity;
import io.nbdcrypt.luks2.segment.CipherSpec;
import io.nbdcrypt.luks2.segment.Segment;
import io.nbdcrypt.luks2.segment.SegmentValidator;
import io.nbdcrypt.luks2.token.Token;
import io.nbdcrypt.luks2.token.TokenValidator;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Turns a checksummed header copy into a {@link Luks2Header}, in cryptsetup's order: JSON area
 * rules, then {@code config} (sizes, requirements), keyslots, segments, digests (references),
 * tokens.
 *
 * <p>Two verdicts: a malformed header ({@link LuksFormatException}) is refused everywhere; a
 * well-formed one asking for what nbdcrypt does not do ({@link UnsupportedFeatureException})
 * is refused by {@link #validate} (unlock, serve, keyslot changes) but only listed by
 * {@link #inspect} (dump).
 */
final class HeaderValidator {
    private HeaderValidator() {}

    /**
     * The header, strictly: the first refusal of either kind is thrown.
     *
     * @param location whether the header is in a separate file (then data may start at offset 0)
     */
    static Luks2Header validate(RawHeaderCopy copy, HeaderLocation location) throws LuksFormatException {
        return validate(copy.binary(), JsonArea.parse(copy.jsonArea()), location);
    }

    /** Validates a JSON tree against the binary header it will be written with, strictly. */
    static Luks2Header validate(BinaryHeader binary, ObjectNode root, HeaderLocation location) throws LuksFormatException {
        return check(binary, root, location, Refusals.STRICT);
    }

    /**
     * The header as cryptsetup would read it: malformed is still thrown, unsupported features
     * are collected.
     */
    static Luks2Inspection inspect(RawHeaderCopy copy, HeaderLocation location) throws LuksFormatException {
        ObjectNode root = JsonArea.parse(copy.jsonArea());
        List<UnsupportedFeatureException> refused = new ArrayList<>();
        Luks2Header header = check(copy.binary(), root, location, Refusals.collectInto(refused));
        return new Luks2Inspection(copy.binary(), root, header.metadataEnd(), refused,
                refused.isEmpty() ? Optional.of(header) : Optional.empty());
    }

    private static Luks2Header check(BinaryHeader binary, ObjectNode root, HeaderLocation location, Refusals refusals)
            throws LuksFormatException {
        for (String section : List.of("keyslots", "tokens", "segments", "digests", "config")) {
            JsonFields.object(root, section, "json");
        }
        Luks2Config config = config(JsonFields.object(root, "config", "json"), binary.hdrSize(), refusals);
        long areaStart = 2 * binary.hdrSize();
        long areaEnd = areaStart + config.keyslotsSize();
        ObjectNode keyslotsJson = JsonFields.object(root, "keyslots", "json");
        ObjectNode segmentsJson = JsonFields.object(root, "segments", "json");
        Set<Integer> keyslotIds = JsonFields.sectionIds(keyslotsJson, "keyslots", KeyslotValidator.MAX_KEYSLOTS);
        Set<Integer> segmentIds = JsonFields.sectionIds(segmentsJson, "segments", SegmentValidator.MAX_SEGMENTS);
        Map<Integer, Keyslot> keyslots = KeyslotValidator.validate(keyslotsJson, areaStart, areaEnd, refusals);
        Map<Integer, Segment> segments = SegmentValidator.validate(segmentsJson, areaEnd, location, refusals);
        boolean authenticated = segments.values().stream().anyMatch(g -> g.authenticated().isPresent());
        boolean required = config.requirements().contains(AuthenticatedIntegrity.REQUIREMENT);
        if (authenticated && !required) {
            throw new LuksFormatException("config.requirements.mandatory", "an authenticated segment needs the requirement "
                    + AuthenticatedIntegrity.REQUIREMENT + " (without it cryptsetup would map the volume as plain dm-crypt)");
        }
        if (required && !authenticated && !segments.isEmpty()) {
            throw new LuksFormatException("segments", "the requirement " + AuthenticatedIntegrity.REQUIREMENT
                    + " is there but no segment is authenticated");
        }
        Map<Integer, Digest> digests = DigestValidator.validate(JsonFields.object(root, "digests", "json"),
                keyslotIds, segmentIds, refusals);
        // A keyslot holds the segment's volume key, so its key_size must be an XTS key size.
        for (Digest d : digests.values()) {
            for (int k : d.keyslots()) {
                Keyslot slot = keyslots.get(k);
                if (slot != null && !d.segments().isEmpty() && !CipherSpec.validKeySize(slot.keySize())) {
                    refusals.refuse(new UnsupportedFeatureException("keyslots." + k + ".key_size", "is " + slot.keySize()
                            + "; the segment's XTS key is 32 or 64 bytes"));
                }
            }
        }
        Map<Integer, Token> tokens = TokenValidator.validate(JsonFields.object(root, "tokens", "json"), keyslotIds);
        return new Luks2Header(binary, config, keyslots, segments, digests, tokens, root);
    }

    private static Luks2Config config(ObjectNode c, long hdrSize, Refusals refusals) throws LuksFormatException {
        long jsonSize = JsonFields.u64(c, "json_size", "config");
        if (jsonSize != hdrSize - BinaryHeader.SIZE) {
            throw new LuksFormatException("config.json_size", "is " + jsonSize + " but the header size "
                    + hdrSize + " leaves " + (hdrSize - BinaryHeader.SIZE) + " bytes of JSON area");
        }
        long keyslotsSize = JsonFields.u64(c, "keyslots_size", "config");
        if (keyslotsSize % 4096 != 0) {
            throw new LuksFormatException("config.keyslots_size", "is not a multiple of 4096");
        }
        if (keyslotsSize > (1L << 40)) {
            throw new LuksFormatException("config.keyslots_size", "is implausibly large (over 1 TiB)");
        }
        List<String> flags = c.has("flags") ? JsonFields.strings(c, "flags", "config") : List.of();
        List<String> requirements = List.of();
        JsonNode req = c.get("requirements");
        if (req != null) {
            if (!(req instanceof ObjectNode r)) {
                throw new LuksFormatException("config.requirements", "must be an object");
            }
            if (r.has("mandatory")) {
                requirements = JsonFields.strings(r, "mandatory", "config.requirements");
                for (String m : requirements) {
                    if (!m.equals(AuthenticatedIntegrity.REQUIREMENT)) {
                        refusals.refuse(requirement(m)); // the first unknown one says enough
                        break;
                    }
                }
            }
        }
        return new Luks2Config(jsonSize, keyslotsSize, flags, requirements);
    }

    /** The refusal of a mandatory requirement, in words a user can act on. */
    private static UnsupportedFeatureException requirement(String name) {
        String field = "config.requirements.mandatory";
        if (name.startsWith("online-reencrypt")) {
            return new UnsupportedFeatureException(field, "the volume is in the middle of a LUKS2 reencryption ('"
                    + Printable.of(name) + "'); nbdcrypt opens it only once that is finished: run"
                    + " cryptsetup reencrypt --resume-only DEVICE (or cryptsetup repair DEVICE for a crashed one)");
        }
        return new UnsupportedFeatureException(field, "unknown mandatory requirement '" + Printable.of(name)
                + "'; this volume needs features we do not implement");
    }
}
