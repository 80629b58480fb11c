package io.nbdcrypt.luks2;

import io.nbdcrypt.block.BlockDevice;
import io.nbdcrypt.luks.common.HeaderLocation;
import io.nbdcrypt.luks.common.LuksFormatException;
import io.nbdcrypt.luks2.disk.HeaderCopyReader;
import io.nbdcrypt.luks2.disk.RawHeaderCopy;
import java.io.IOException;

/**
 * Reads both LUKS2 header copies, validates each fully (binary, checksum, JSON), and keeps the
 * valid one with the highest seqid, as cryptsetup does. When the primary is unusable the
 * secondary is searched at every offset LUKS2 allows (16 KiB .. 4 MiB).
 */
public final class Luks2HeaderReader {
    private Luks2HeaderReader() {}

    /**
     * The chosen header and whether the other copy must be rewritten.
     *
     * @param needsRepair one copy is missing, invalid, or older
     */
    public record Loaded(Luks2Header header, boolean primaryValid, boolean secondaryValid, boolean needsRepair) {}

    /**
     * @throws LuksFormatException the primary's problem if neither copy is valid
     */
    public static Loaded read(BlockDevice dev, HeaderLocation location) throws IOException {
        Luks2Header primary = null;
        LuksFormatException primaryError = null;
        try {
            primary = HeaderValidator.validate(HeaderCopyReader.read(dev, 0), location);
        } catch (LuksFormatException e) {
            primaryError = e;
        }
        Luks2Header secondary = null;
        LuksFormatException secondaryError = null;
        if (primary != null) {
            try {
                secondary = readSecondary(dev, primary.hdrSize(), location);
            } catch (LuksFormatException e) {
                secondaryError = e;
            }
        } else {
            for (long off : HeaderCopyReader.HDR_SIZES) {
                try {
                    secondary = readSecondary(dev, off, location);
                    break;
                } catch (LuksFormatException e) {
                    if (secondaryError == null || !e.field().equals("binary.magic") && !e.field().equals("binary")) {
                        secondaryError = e;
                    }
                }
            }
        }
        if (primary == null && secondary == null) {
            if (primaryError.field().equals("binary.magic") && secondaryError != null
                    && !secondaryError.field().equals("binary.magic") && !secondaryError.field().equals("binary")) {
                throw secondaryError;
            }
            throw primaryError;
        }
        Luks2Header chosen;
        if (primary != null && secondary != null) {
            chosen = Long.compareUnsigned(secondary.seqid(), primary.seqid()) > 0 ? secondary : primary;
        } else {
            chosen = primary != null ? primary : secondary;
        }
        boolean repair = primary == null || secondary == null || primary.seqid() != secondary.seqid()
                || !primary.json().equals(secondary.json());
        return new Loaded(chosen, primary != null, secondary != null, repair);
    }

    private static Luks2Header readSecondary(BlockDevice dev, long offset, HeaderLocation location) throws IOException {
        RawHeaderCopy copy = HeaderCopyReader.read(dev, offset);
        if (copy.binary().hdrSize() != offset) {
            throw new LuksFormatException("binary.hdr_size", "secondary header at " + offset + " says hdr_size "
                    + copy.binary().hdrSize());
        }
        return HeaderValidator.validate(copy, location);
    }
}
