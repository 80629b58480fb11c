package io.nbdcrypt.luks2.segment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nbdcrypt.luks.common.HeaderLocation;
import io.nbdcrypt.luks.common.LuksFormatException;
import io.nbdcrypt.luks.common.SectorSize;
import io.nbdcrypt.luks2.json.JsonFields;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * Validates the {@code segments} section: exactly one segment, id 0, type {@code crypt},
 * with an allow-listed cipher, a 512-aligned offset, a valid sector size, a size that is
 * "dynamic" or a sector multiple, and no overflow. Reencryption (more segments, other types)
 * is not supported and is refused.
 */
public final class SegmentValidator {
    private SegmentValidator() {}

    /**
     * @param metadataEnd the first byte after both header copies and the keyslots area; a
     *     segment on the same device must start at or after it
     * @param location    where the header lives; a detached one lets the data start at 0
     */
    public static Map<Integer, Segment> validate(ObjectNode segments, long metadataEnd, HeaderLocation location)
            throws LuksFormatException {
        Map<Integer, Segment> out = new TreeMap<>();
        for (Map.Entry<String, JsonNode> e : segments.properties()) {
            String path = "segments." + e.getKey();
            int id = JsonFields.parseId(e.getKey(), path, 32);
            if (!(e.getValue() instanceof ObjectNode s)) {
                throw new LuksFormatException(path, "must be an object");
            }
            out.put(id, one(id, s, path, metadataEnd, location));
        }
        if (out.isEmpty()) {
            throw new LuksFormatException("segments", "no data segment");
        }
        if (out.size() > 1 || !out.containsKey(0)) {
            throw new LuksFormatException("segments", "exactly one segment with id 0 is supported (reencryption is not)");
        }
        return out;
    }

    private static Segment one(int id, ObjectNode s, String path, long metadataEnd, HeaderLocation location)
            throws LuksFormatException {
        String type = JsonFields.string(s, "type", path);
        if (!type.equals("crypt")) {
            throw new LuksFormatException(path + ".type", "segment type '" + type + "' is not supported (only crypt)");
        }
        long offset = JsonFields.u64(s, "offset", path);
        if (offset % 512 != 0) {
            throw new LuksFormatException(path + ".offset", "is not a multiple of 512");
        }
        if (!location.isDetached() && offset < metadataEnd) {
            throw new LuksFormatException(path + ".offset", "data at " + offset
                    + " overlaps the header and keyslots area ending at " + metadataEnd);
        }
        long ivTweak = JsonFields.u64(s, "iv_tweak", path);
        CipherSpec enc = CipherSpec.parse(JsonFields.string(s, "encryption", path), path + ".encryption");
        int sectorSize = JsonFields.integer(s, "sector_size", path, SectorSize.MIN, SectorSize.MAX);
        if (!SectorSize.isValid(sectorSize)) {
            throw new LuksFormatException(path + ".sector_size", "must be " + SectorSize.allowed());
        }
        if (offset % sectorSize != 0) {
            throw new LuksFormatException(path + ".offset", "is not a multiple of the sector size " + sectorSize);
        }
        // dm-crypt refuses an IV offset that is not a whole number of encryption sectors, so
        // such a volume could never be handed to the kernel backend (or opened by cryptsetup).
        if (Long.remainderUnsigned(ivTweak, sectorSize / 512) != 0) {
            throw new LuksFormatException(path + ".iv_tweak", "is not a multiple of sector_size/512 = " + sectorSize / 512);
        }
        OptionalLong size;
        String sizeText = JsonFields.string(s, "size", path);
        if (sizeText.equals("dynamic")) {
            size = OptionalLong.empty();
        } else {
            long v = JsonFields.parseU64(sizeText, path + ".size");
            if (v % sectorSize != 0) {
                throw new LuksFormatException(path + ".size", "is not a multiple of the sector size " + sectorSize);
            }
            try {
                Math.addExact(offset, v);
            } catch (ArithmeticException ex) {
                throw new LuksFormatException(path + ".size", "offset + size overflows");
            }
            size = OptionalLong.of(v);
        }
        List<String> flags = s.has("flags") ? JsonFields.strings(s, "flags", path) : List.of();
        if (s.has("integrity")) {
            throw new LuksFormatException(path + ".integrity", "authenticated (dm-integrity) segments are not supported");
        }
        return new Segment(id, offset, size, ivTweak, enc, sectorSize, List.copyOf(flags));
    }
}
