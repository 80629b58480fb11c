package io.nbdcrypt.luks2.disk;

import io.nbdcrypt.block.BlockDevice;
import io.nbdcrypt.crypto.kdf.HashAlgorithm;
import io.nbdcrypt.luks.common.LuksFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.List;

/**
 * Reads one LUKS2 header copy and checks, in this order, before the JSON is looked at:
 * magic (primary at 0, secondary elsewhere), version 2, {@code hdr_size} one of 16 KiB..4 MiB,
 * {@code hdr_offset} equal to where the copy was found, {@code checksum_alg} on the list,
 * the copy fits the device, then the checksum.
 */
public final class HeaderCopyReader {
    /** The header sizes LUKS2 allows (binary header + JSON area), which are also where a secondary may sit. */
    public static final List<Long> HDR_SIZES = List.of(16L << 10, 32L << 10, 64L << 10, 128L << 10, 256L << 10,
            512L << 10, 1L << 20, 2L << 20, 4L << 20);

    private HeaderCopyReader() {}

    /**
     * Reads and checks the copy at {@code offset}.
     *
     * @throws LuksFormatException naming the first binary field that is wrong
     */
    public static RawHeaderCopy read(BlockDevice dev, long offset) throws IOException {
        if (offset < 0 || dev.size() < BinaryHeader.SIZE || offset > dev.size() - BinaryHeader.SIZE) {
            throw new LuksFormatException("binary", "device of " + dev.size() + " bytes is too small for a LUKS2 header at " + offset);
        }
        byte[] block = new byte[BinaryHeader.SIZE];
        dev.read(offset, ByteBuffer.wrap(block));
        BinaryHeader h = BinaryHeader.decode(block);
        if (h.secondary() != (offset != 0)) {
            throw new LuksFormatException("binary.magic", (offset == 0 ? "secondary" : "primary") + " magic at offset " + offset);
        }
        if (h.version() != 2) {
            throw new LuksFormatException("binary.version", "version " + h.version() + " is not LUKS2");
        }
        if (!HDR_SIZES.contains(h.hdrSize())) {
            throw new LuksFormatException("binary.hdr_size", "is " + Long.toUnsignedString(h.hdrSize())
                    + ", not a power of two from 16 KiB to 4 MiB");
        }
        if (h.hdrOffset() != offset) {
            throw new LuksFormatException("binary.hdr_offset", "says " + Long.toUnsignedString(h.hdrOffset())
                    + " but the copy was read at " + offset);
        }
        HashAlgorithm alg;
        try {
            alg = HashAlgorithm.byName(h.checksumAlg());
        } catch (IllegalArgumentException e) {
            throw new LuksFormatException("binary.checksum_alg", e.getMessage());
        }
        if (dev.size() - offset < h.hdrSize()) {
            throw new LuksFormatException("binary.hdr_size", h.hdrSize() + "-byte header at " + offset
                    + " does not fit the " + dev.size() + "-byte device");
        }
        byte[] json = new byte[(int) h.hdrSize() - BinaryHeader.SIZE];
        dev.read(offset + BinaryHeader.SIZE, ByteBuffer.wrap(json));
        byte[] want = Checksum.compute(alg, h, json);
        byte[] got = java.util.Arrays.copyOf(h.csum(), want.length);
        if (!MessageDigest.isEqual(want, got)) {
            throw new LuksFormatException("binary.csum", (h.secondary() ? "secondary" : "primary")
                    + " header checksum (" + alg + ") does not match");
        }
        return new RawHeaderCopy(offset, h, json);
    }
}
