package io.nbdcrypt.luks2.segment;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nbdcrypt.block.auth.AuthenticatedLayout;
import io.nbdcrypt.luks.common.LuksFormatException;
import io.nbdcrypt.luks.common.Printable;
import io.nbdcrypt.luks2.json.JsonFields;

/**
 * A data segment of nbdcrypt's authenticated mode ({@code io.nbdcrypt.block.auth}): written
 * as a {@code crypt} segment with {@code "encryption": "aes-256-gcm"} and an {@code integrity}
 * object of type {@value #TYPE} that says where the hash tree lies, in a header whose
 * {@code config.requirements.mandatory} lists {@value #REQUIREMENT}. cryptsetup shows all of
 * it in {@code luksDump} and, seeing a requirement it does not know, refuses to open or change
 * the volume instead of reading it as XTS.
 *
 * @param metadataOffset where the tree starts on the data device (bytes)
 * @param metadataSize   bytes of the tree
 */
public record AuthenticatedIntegrity(long metadataOffset, long metadataSize) {
    public static final String TYPE = "nbdcrypt-tree-v1";
    public static final String CIPHER = "aes-256-gcm";
    public static final String REQUIREMENT = "nbdcrypt-authenticated-v1";

    /** The segment's integrity object, which must be ours. */
    static AuthenticatedIntegrity parse(ObjectNode integrity, String path) throws LuksFormatException {
        String type = JsonFields.string(integrity, "type", path);
        if (!type.equals(TYPE)) {
            throw new LuksFormatException(path + ".type", "integrity '" + Printable.of(type)
                    + "' is not supported (dm-integrity segments are not; nbdcrypt's own is " + TYPE + ")");
        }
        long offset = JsonFields.u64(integrity, "metadata_offset", path);
        long size = JsonFields.u64(integrity, "metadata_size", path);
        if (offset % 4096 != 0 || size % AuthenticatedLayout.NODE_BYTES != 0 || size == 0) {
            throw new LuksFormatException(path, "metadata_offset and metadata_size must be positive multiples of 4096");
        }
        return new AuthenticatedIntegrity(offset, size);
    }

    /** Writes this segment's cipher and integrity object into {@code segment} (as parse reads them). */
    public void writeTo(ObjectNode segment) {
        segment.put("encryption", CIPHER);
        ObjectNode i = segment.putObject("integrity");
        i.put("type", TYPE);
        i.put("journal_encryption", "none");
        i.put("journal_integrity", "none");
        i.put("metadata_offset", Long.toString(metadataOffset));
        i.put("metadata_size", Long.toString(metadataSize));
    }

    /** The layout of the volume this segment describes. */
    public AuthenticatedLayout layout(Segment s) {
        return new AuthenticatedLayout(s.sectorSize(), s.offset(), s.size().orElseThrow() / s.sectorSize(), metadataOffset);
    }

    /** The segment and integrity object of {@code layout}, for a new header. */
    public static AuthenticatedIntegrity of(AuthenticatedLayout layout) {
        return new AuthenticatedIntegrity(layout.metadataOffset(), layout.metadataBytes());
    }
}
