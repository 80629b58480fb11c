package io.nbdcrypt.luks2;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nbdcrypt.luks.common.UnsupportedFeatureException;
import io.nbdcrypt.luks2.disk.BinaryHeader;
import java.util.List;
import java.util.Optional;

/**
 * A LUKS2 header as {@code dump} sees it: well-formed (cryptsetup reads it), with the list of
 * what nbdcrypt will not open and why. {@link #header()} is present only when that list is
 * empty, i.e. when {@link Luks2HeaderReader#read} would accept the same copy.
 *
 * @param json        the metadata of the chosen copy (a copy; rewrite only through validation)
 * @param metadataEnd first byte after both header copies and the keyslots area
 */
public record Luks2Inspection(BinaryHeader binary, ObjectNode json, long metadataEnd,
        List<UnsupportedFeatureException> refusals, Optional<Luks2Header> header) {
    public Luks2Inspection {
        json = json.deepCopy();
        refusals = List.copyOf(refusals);
    }

    @Override
    public ObjectNode json() {
        return json.deepCopy();
    }

    public long seqid() {
        return binary.seqid();
    }
}
