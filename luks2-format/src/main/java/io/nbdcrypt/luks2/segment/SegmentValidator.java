package io.nbdcrypt.luks2.segment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nbdcrypt.luks2.LuksFormatException;
import io.nbdcrypt.luks2.json.JsonFields;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
     * @param detached    the header lives in a separate file, so the data may start at 0
     */
    public static Map<Integer, Segment> validate(ObjectNode segments, long metadataEnd, boolean detached)
            throws LuksFormatException {
        Map<Integer, Segment> out = new TreeMap<>();
        for (Map.Entry<String, JsonNode> e : segments.properties()) {
            String path = "segments." + e.getKey();
            int id = JsonFields.parseId(e.getKey(), path, 32);
            if (!(e.getValue() instanceof ObjectNode s)) {
                throw new LuksFormatException(path, "must be an object");
            }
            out.put(id, one(id, s, path, metadataEnd, detached));
        }
        if (out.isEmpty()) {
            throw new LuksFormatException("segments", "no data segment");
        }
        if (out.size() > 1 || !out.containsKey(0)) {
            throw new LuksFormatException("segments", "exactly one segment with id 0 is supported (reencryption is not)");
        }
        return out;
    }

    private static Segment one(int id, ObjectNode s, String path, long metadataEnd, boolean detached)
            throws LuksFormatException {
        String type = JsonFields.string(s, "type", path);
        if (!type.equals("crypt")) {
            throw new LuksFormatException(path + ".type", "segment type '" + type + "' is not supported (only crypt)");
        }
        long offset = JsonFields.u64(s, "offset", path);
        if (offset % 512 != 0) {
            throw new LuksFormatException(path + ".offset", "is not a multiple of 512");
        }
        if (!detached && offset < metadataEnd) {
            throw new LuksFormatException(path + ".offset", "data at " + offset
                    + " overlaps the header and keyslots area ending at " + metadataEnd);
        }
        long ivTweak = JsonFields.u64(s, "iv_tweak", path);
        Optional<AuthenticatedIntegrity> authenticated = Optional.empty();
        CipherSpec enc;
        if (s.get("integrity") instanceof ObjectNode integrity) {
            // nbdcrypt's authenticated segment; the header's requirement is checked against it by HeaderValidator.
            authenticated = Optional.of(AuthenticatedIntegrity.parse(integrity, path + ".integrity"));
            String cipher = JsonFields.string(s, "encryption", path);
            if (!cipher.equals(AuthenticatedIntegrity.CIPHER)) {
                throw new LuksFormatException(path + ".encryption", "an " + AuthenticatedIntegrity.TYPE
                        + " segment is encrypted with " + AuthenticatedIntegrity.CIPHER + ", not '"
                        + cipher.replaceAll("[^\\x20-\\x7e]", "?") + "'");
            }
            enc = CipherSpec.AES_256_GCM;
        } else if (s.has("integrity")) {
            throw new LuksFormatException(path + ".integrity", "authenticated (dm-integrity) segments are not supported");
        } else {
            enc = CipherSpec.parse(JsonFields.string(s, "encryption", path), path + ".encryption");
        }
        int sectorSize = JsonFields.integer(s, "sector_size", path, 512, 4096);
        if (Integer.bitCount(sectorSize) != 1) {
            throw new LuksFormatException(path + ".sector_size", "must be 512, 1024, 2048 or 4096");
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
        if (authenticated.isPresent()) {
            checkAuthenticated(path, offset, size, sectorSize, authenticated.get(), metadataEnd, detached);
        }
        return new Segment(id, offset, size, ivTweak, enc, sectorSize, List.copyOf(flags), authenticated);
    }

    /** The tree must be where its layout says, after the header and clear of the data. */
    private static void checkAuthenticated(String path, long offset, OptionalLong size, int sectorSize,
            AuthenticatedIntegrity a, long metadataEnd, boolean detached) throws LuksFormatException {
        if (size.isEmpty()) {
            throw new LuksFormatException(path + ".size", "an authenticated segment has a fixed size, not dynamic");
        }
        long sectors = size.getAsLong() / sectorSize;
        long needed = io.nbdcrypt.block.auth.AuthenticatedLayout.metadataBytes(sectors);
        if (a.metadataSize() != needed) {
            throw new LuksFormatException(path + ".integrity.metadata_size", "is " + a.metadataSize() + "; " + sectors
                    + " sectors need a tree of " + needed + " bytes");
        }
        if (!detached && a.metadataOffset() < metadataEnd) {
            throw new LuksFormatException(path + ".integrity.metadata_offset", "overlaps the header and keyslots area ending at "
                    + metadataEnd);
        }
        try {
            new io.nbdcrypt.block.auth.AuthenticatedLayout(sectorSize, offset, sectors, a.metadataOffset());
            Math.addExact(a.metadataOffset(), a.metadataSize());
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new LuksFormatException(path + ".integrity.metadata_offset", e.getMessage() == null ? "overflows" : e.getMessage());
        }
    }
}
