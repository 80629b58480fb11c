package io.nbdcrypt.luks2;

import io.nbdcrypt.block.BlockDevice;
import io.nbdcrypt.luks.common.HeaderLocation;
import io.nbdcrypt.luks.common.LuksFormatException;
import io.nbdcrypt.luks2.disk.ForeignSignatures;
import io.nbdcrypt.luks2.disk.HeaderCopyReader;
import io.nbdcrypt.luks2.disk.RawHeaderCopy;
import java.io.IOException;
import java.util.List;

/**
 * Reads both LUKS2 header copies and keeps the well-formed one with the highest seqid, as
 * cryptsetup does; when the primary is unusable the secondary is searched at every offset
 * LUKS2 allows (16 KiB .. 4 MiB). Then, as cryptsetup: the header and keyslots area must fit
 * the device, and a damaged copy is not silently replaced by the other one while another
 * format's signature is on the device (that takes an explicit repair).
 *
 * <p>Copies are told apart by structure only ({@link HeaderValidator#inspect}): a copy that
 * asks for an unsupported feature is still the copy cryptsetup would use, so {@link #read}
 * refuses it instead of falling back to an older one.
 */
public final class Luks2HeaderReader {
    private Luks2HeaderReader() {}

    /**
     * The chosen header and whether the other copy must be rewritten.
     *
     * @param needsRepair one copy is missing, invalid, or older
     */
    public record Loaded(Luks2Header header, boolean primaryValid, boolean secondaryValid, boolean needsRepair) {}

    /** What {@link #inspect} found: the chosen copy as cryptsetup reads it, and the state of both. */
    public record Inspected(Luks2Inspection chosen, boolean primaryValid, boolean secondaryValid, boolean needsRepair) {}

    /**
     * The header strictly: malformed or unsupported, the chosen copy is refused.
     *
     * @throws LuksFormatException the primary's problem if neither copy is valid, the chosen
     *     copy's first refusal, a device too small for the metadata, or other signatures on a
     *     device whose header needs recovery
     */
    public static Loaded read(BlockDevice dev, HeaderLocation location) throws IOException {
        return strict(inspect(dev, location, true));
    }

    /** {@link #read} without the foreign-signature check: what {@code repair} uses. */
    public static Loaded readForRepair(BlockDevice dev, HeaderLocation location) throws IOException {
        return strict(inspect(dev, location, false));
    }

    /** The header as cryptsetup would show it, unsupported features listed rather than refused. */
    public static Inspected inspect(BlockDevice dev, HeaderLocation location) throws IOException {
        return inspect(dev, location, true);
    }

    private static Loaded strict(Inspected i) throws LuksFormatException {
        if (!i.chosen().refusals().isEmpty()) {
            throw i.chosen().refusals().get(0);
        }
        return new Loaded(i.chosen().header().orElseThrow(), i.primaryValid(), i.secondaryValid(), i.needsRepair());
    }

    private static Inspected inspect(BlockDevice dev, HeaderLocation location, boolean probeSignatures) throws IOException {
        Luks2Inspection primary = null;
        LuksFormatException primaryError = null;
        try {
            primary = HeaderValidator.inspect(HeaderCopyReader.read(dev, 0), location);
        } catch (LuksFormatException e) {
            primaryError = e;
        }
        Luks2Inspection secondary = null;
        LuksFormatException secondaryError = null;
        if (primary != null) {
            try {
                secondary = readSecondary(dev, primary.binary().hdrSize(), location);
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
        Luks2Inspection chosen;
        if (primary != null && secondary != null) {
            chosen = Long.compareUnsigned(secondary.seqid(), primary.seqid()) > 0 ? secondary : primary;
        } else {
            chosen = primary != null ? primary : secondary;
        }
        checkFits(dev, chosen);
        boolean oneLost = primary == null || secondary == null;
        if (oneLost && probeSignatures) {
            refuseAmbiguous(dev, primary == null ? "primary" : "secondary");
        }
        boolean repair = oneLost || primary.seqid() != secondary.seqid() || !primary.json().equals(secondary.json());
        return new Inspected(chosen, primary != null, secondary != null, repair);
    }

    /** cryptsetup's rule: both copies and the keyslots area must lie on the header device. */
    private static void checkFits(BlockDevice dev, Luks2Inspection chosen) throws LuksFormatException {
        long need = chosen.metadataEnd();
        if (dev.size() < need) {
            throw new LuksFormatException("device", "is too small: " + dev.size() + " bytes, but the LUKS2 header and"
                    + " keyslots area need at least " + need + " (a truncated image or a wrong device?)");
        }
    }

    private static void refuseAmbiguous(BlockDevice dev, String lost) throws IOException {
        List<String> others = ForeignSignatures.find(dev);
        if (!others.isEmpty()) {
            throw new LuksFormatException("binary", "the " + lost + " LUKS2 header copy is damaged and the device also"
                    + " carries " + String.join(", ", others) + " signatures (ambiguous), so it is not auto-recovered:"
                    + " if the LUKS2 volume is the one to keep, run nbdcrypt repair DEVICE (or cryptsetup repair)");
        }
    }

    private static Luks2Inspection readSecondary(BlockDevice dev, long offset, HeaderLocation location) throws IOException {
        RawHeaderCopy copy = HeaderCopyReader.read(dev, offset);
        if (copy.binary().hdrSize() != offset) {
            throw new LuksFormatException("binary.hdr_size", "secondary header at " + offset + " says hdr_size "
                    + copy.binary().hdrSize());
        }
        return HeaderValidator.inspect(copy, location);
    }
}
