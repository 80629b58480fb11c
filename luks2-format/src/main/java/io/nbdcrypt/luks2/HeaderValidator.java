package io.nbdcrypt.luks2;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import java.util.List;
import java.util.Map;

/**
 * Turns a checksummed header copy into a {@link Luks2Header}, in cryptsetup's order: JSON area
 * rules, then {@code config} (sizes), keyslots, segments, digests (references), tokens. The
 * first failure is thrown as a {@link LuksFormatException} naming the field.
 */
public final class HeaderValidator {
    private HeaderValidator() {}

    /**
     * @param detached the header is in a separate file (data may start at offset 0)
     */
    public static Luks2Header validate(RawHeaderCopy copy, boolean detached) throws LuksFormatException {
        ObjectNode root = JsonArea.parse(copy.jsonArea());
        return validate(copy.binary(), root, detached);
    }

    /** Validates a JSON tree against the binary header it will be written with. */
    public static Luks2Header validate(BinaryHeader binary, ObjectNode root, boolean detached) throws LuksFormatException {
        for (String section : List.of("keyslots", "tokens", "segments", "digests", "config")) {
            JsonFields.object(root, section, "json");
        }
        Luks2Config config = config(JsonFields.object(root, "config", "json"), binary.hdrSize());
        long areaStart = 2 * binary.hdrSize();
        long areaEnd = areaStart + config.keyslotsSize();
        Map<Integer, Keyslot> keyslots = KeyslotValidator.validate(JsonFields.object(root, "keyslots", "json"), areaStart, areaEnd);
        Map<Integer, Segment> segments = SegmentValidator.validate(JsonFields.object(root, "segments", "json"), areaEnd, detached);
        boolean authenticated = segments.values().stream().anyMatch(g -> g.authenticated().isPresent());
        if (authenticated != config.requirements().contains(AuthenticatedIntegrity.REQUIREMENT)) {
            throw new LuksFormatException(authenticated ? "config.requirements.mandatory" : "segments",
                    authenticated ? "an authenticated segment needs the requirement " + AuthenticatedIntegrity.REQUIREMENT
                            + " (without it cryptsetup would map the volume as plain dm-crypt)"
                            : "the requirement " + AuthenticatedIntegrity.REQUIREMENT + " is there but no segment is authenticated");
        }
        Map<Integer, Digest> digests = DigestValidator.validate(JsonFields.object(root, "digests", "json"),
                keyslots.keySet(), segments.keySet());
        // A keyslot holds the segment's volume key, so its key_size must be an XTS key size.
        for (Digest d : digests.values()) {
            for (int k : d.keyslots()) {
                if (!d.segments().isEmpty() && !CipherSpec.validKeySize(keyslots.get(k).keySize())) {
                    throw new LuksFormatException("keyslots." + k + ".key_size", "is " + keyslots.get(k).keySize()
                            + "; the segment's XTS key is 32 or 64 bytes");
                }
            }
        }
        Map<Integer, Token> tokens = TokenValidator.validate(JsonFields.object(root, "tokens", "json"), keyslots.keySet());
        return new Luks2Header(binary, config, keyslots, segments, digests, tokens, root);
    }

    private static Luks2Config config(ObjectNode c, long hdrSize) throws LuksFormatException {
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
                        throw new LuksFormatException("config.requirements.mandatory", "unknown mandatory requirement '"
                                + m.replaceAll("[^\\x20-\\x7e]", "?") + "'; this volume needs features we do not implement");
                    }
                }
            }
        }
        return new Luks2Config(jsonSize, keyslotsSize, flags, requirements);
    }
}
