package io.nbdcrypt.luks2.segment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nbdcrypt.luks.common.FirstRefusal;
import io.nbdcrypt.luks.common.HeaderLocation;
import io.nbdcrypt.luks.common.LuksFormatException;
import io.nbdcrypt.luks.common.Printable;
import io.nbdcrypt.luks.common.Refusals;
import io.nbdcrypt.luks.common.SectorSize;
import io.nbdcrypt.luks.common.UnsupportedFeatureException;
import io.nbdcrypt.luks2.json.JsonFields;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * Validates the {@code segments} section: exactly one segment, id 0, type {@code crypt},
 * with an allow-listed cipher, a 512-aligned offset, a valid sector size, a size that is
 * "dynamic" or a sector multiple, and no overflow.
 *
 * <p>What cryptsetup refuses too (misaligned or overflowing numbers, data over the header) is
 * a {@link LuksFormatException}; what it reads but nbdcrypt does not (more segments, as during
 * a reencryption; other segment types; another cipher; dm-integrity) is an
 * {@link UnsupportedFeatureException} handed to the {@link Refusals}.
 */
public final class SegmentValidator {
    /** LUKS2 allows segment ids 0..31. */
    public static final int MAX_SEGMENTS = 32;

    private SegmentValidator() {}

    /**
     * The segments nbdcrypt can use; the refused ones went to {@code refusals}.
     *
     * @param metadataEnd the first byte after both header copies and the keyslots area; a
     *     segment on the same device must start at or after it
     * @param location    where the header lives; a detached one lets the data start at 0
     */
    public static Map<Integer, Segment> validate(ObjectNode segments, long metadataEnd, HeaderLocation location,
            Refusals refusals) throws LuksFormatException {
        Map<Integer, Segment> out = new TreeMap<>();
        int count = 0;
        boolean hasZero = false;
        for (Map.Entry<String, JsonNode> e : segments.properties()) {
            String path = "segments." + e.getKey();
            int id = JsonFields.parseId(e.getKey(), path, MAX_SEGMENTS);
            if (!(e.getValue() instanceof ObjectNode s)) {
                throw new LuksFormatException(path, "must be an object");
            }
            count++;
            hasZero |= id == 0;
            try {
                out.put(id, one(id, s, path, metadataEnd, location));
            } catch (UnsupportedFeatureException refused) {
                refusals.refuse(refused);
            }
        }
        if (count == 0) {
            throw new LuksFormatException("segments", "no data segment");
        }
        if (count > 1 || !hasZero) {
            refusals.refuse(new UnsupportedFeatureException("segments", "exactly one segment with id 0 is supported"
                    + " (reencryption is not)"));
        }
        return out;
    }

    private static Segment one(int id, ObjectNode s, String path, long metadataEnd, HeaderLocation location)
            throws LuksFormatException {
        String type = JsonFields.string(s, "type", path);
        long offset = JsonFields.u64(s, "offset", path);
        if (offset % 512 != 0) {
            throw new LuksFormatException(path + ".offset", "is not a multiple of 512");
        }
        String sizeText = JsonFields.string(s, "size", path);
        if (!type.equals("crypt")) {
            throw new UnsupportedFeatureException(path + ".type", "segment type '" + Printable.of(type)
                    + "' is not supported (only crypt)");
        }
        if (!location.isDetached() && offset < metadataEnd) {
            throw new LuksFormatException(path + ".offset", "data at " + offset
                    + " overlaps the header and keyslots area ending at " + metadataEnd);
        }
        FirstRefusal refused = new FirstRefusal();
        long ivTweak = JsonFields.u64(s, "iv_tweak", path);
        Optional<AuthenticatedIntegrity> authenticated = Optional.empty();
        CipherSpec enc = null;
        if (s.get("integrity") instanceof ObjectNode integrity
                && AuthenticatedIntegrity.TYPE.equals(integrity.path("type").asText())) {
            // nbdcrypt's authenticated segment; the header's requirement is checked against it by HeaderValidator.
            authenticated = Optional.of(AuthenticatedIntegrity.parse(integrity, path + ".integrity"));
            String cipher = JsonFields.string(s, "encryption", path);
            if (!cipher.equals(AuthenticatedIntegrity.CIPHER)) {
                throw new LuksFormatException(path + ".encryption", "an " + AuthenticatedIntegrity.TYPE
                        + " segment is encrypted with " + AuthenticatedIntegrity.CIPHER + ", not '" + Printable.of(cipher) + "'");
            }
            enc = CipherSpec.AES_256_GCM;
        } else {
            if (s.has("integrity")) {   // first: it explains the AEAD cipher that comes with it
                refused.note(path + ".integrity.type", "is '" + Printable.of(s.path("integrity").path("type").asText())
                        + "': authenticated (dm-integrity) segments are not supported (nbdcrypt's own: "
                        + AuthenticatedIntegrity.TYPE + ")");
            }
            try {
                enc = CipherSpec.parse(JsonFields.string(s, "encryption", path), path + ".encryption");
            } catch (UnsupportedFeatureException e) {
                refused.note(e);
            }
        }
        int sectorSize = JsonFields.integer(s, "sector_size", path, 1, Integer.MAX_VALUE);
        if (sectorSize % 512 != 0) {
            throw new LuksFormatException(path + ".sector_size", "must be a multiple of 512 (nbdcrypt: "
                    + SectorSize.allowed() + ")");
        }
        if (!SectorSize.isValid(sectorSize)) {
            refused.note(path + ".sector_size", "is " + sectorSize + "; must be " + SectorSize.allowed());
        } else {
            if (offset % sectorSize != 0) {
                refused.note(path + ".offset", "is not a multiple of the sector size " + sectorSize);
            }
            // dm-crypt refuses an IV offset that is not a whole number of encryption sectors, so
            // such a volume could never be handed to the kernel backend (or opened by cryptsetup).
            if (Long.remainderUnsigned(ivTweak, sectorSize / 512) != 0) {
                refused.note(path + ".iv_tweak", "is not a multiple of sector_size/512 = " + sectorSize / 512);
            }
        }
        OptionalLong size;
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
        refused.throwIfAny();
        if (authenticated.isPresent()) {
            checkAuthenticated(path, offset, size, sectorSize, authenticated.get(), metadataEnd, location);
        }
        return new Segment(id, offset, size, ivTweak, enc, sectorSize, List.copyOf(flags), authenticated);
    }

    /** The tree must be where its layout says, after the header and clear of the data. */
    private static void checkAuthenticated(String path, long offset, OptionalLong size, int sectorSize,
            AuthenticatedIntegrity a, long metadataEnd, HeaderLocation location) throws LuksFormatException {
        if (size.isEmpty()) {
            throw new LuksFormatException(path + ".size", "an authenticated segment has a fixed size, not dynamic");
        }
        long sectors = size.getAsLong() / sectorSize;
        long needed = io.nbdcrypt.block.auth.AuthenticatedLayout.metadataBytes(sectors);
        if (a.metadataSize() != needed) {
            throw new LuksFormatException(path + ".integrity.metadata_size", "is " + a.metadataSize() + "; " + sectors
                    + " sectors need a tree of " + needed + " bytes");
        }
        if (!location.isDetached() && a.metadataOffset() < metadataEnd) {
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
