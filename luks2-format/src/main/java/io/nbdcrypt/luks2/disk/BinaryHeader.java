package io.nbdcrypt.luks2.disk;

import io.nbdcrypt.luks.common.FixedText;
import io.nbdcrypt.luks.common.LuksFormatException;
import io.nbdcrypt.luks.common.LuksMagic;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The 4096-byte binary part of one LUKS2 header copy, exactly as on disk (big-endian):
 * magic(6) version(2) hdr_size(8) seqid(8) label[48] checksum_alg[32] salt[64] uuid[40]
 * subsystem[48] hdr_offset(8) padding[184] csum[64] padding[3584].
 *
 * <p>{@link #decode} only reads fields; it checks that the text fields are NUL-terminated
 * ASCII and nothing else. Meaning (magic, sizes, offsets) is checked by {@link HeaderCopyReader}.
 */
public record BinaryHeader(boolean secondary, int version, long hdrSize, long seqid, String label,
        String checksumAlg, byte[] salt, String uuid, String subsystem, long hdrOffset, byte[] csum) {

    public static final int SIZE = 4096;
    static final int LABEL_LEN = 48;
    static final int CSUM_ALG_LEN = 32;
    static final int SALT_LEN = 64;
    static final int UUID_LEN = 40;
    static final int SUBSYSTEM_LEN = 48;
    static final int CSUM_OFFSET = 448;
    static final int CSUM_LEN = 64;

    public BinaryHeader {
        salt = salt.clone();
        csum = csum.clone();
    }

    @Override
    public byte[] salt() {
        return salt.clone();
    }

    @Override
    public byte[] csum() {
        return csum.clone();
    }

    /**
     * Reads the fields of a 4096-byte block whose magic is either copy's.
     *
     * @throws LuksFormatException naming {@code binary.magic} or the text field that is not
     *     NUL-terminated printable ASCII
     */
    public static BinaryHeader decode(byte[] block) throws LuksFormatException {
        if (block.length != SIZE) {
            throw new IllegalArgumentException("binary header is 4096 bytes");
        }
        ByteBuffer b = ByteBuffer.wrap(block);
        b.position(LuksMagic.LENGTH);
        boolean secondary;
        if (LuksMagic.isPrimary(block, 0)) {
            secondary = false;
        } else if (LuksMagic.isSecondary(block, 0)) {
            secondary = true;
        } else {
            throw new LuksFormatException("binary.magic", "not a LUKS header (magic is not LUKS\\xba\\xbe or SKUL\\xba\\xbe)");
        }
        int version = Short.toUnsignedInt(b.getShort());
        long hdrSize = b.getLong();
        long seqid = b.getLong();
        String label = FixedText.read(b, LABEL_LEN, "binary.label");
        String csumAlg = FixedText.read(b, CSUM_ALG_LEN, "binary.checksum_alg");
        byte[] salt = new byte[SALT_LEN];
        b.get(salt);
        String uuid = FixedText.read(b, UUID_LEN, "binary.uuid");
        String subsystem = FixedText.read(b, SUBSYSTEM_LEN, "binary.subsystem");
        long hdrOffset = b.getLong();
        byte[] csum = Arrays.copyOfRange(block, CSUM_OFFSET, CSUM_OFFSET + CSUM_LEN);
        return new BinaryHeader(secondary, version, hdrSize, seqid, label, csumAlg, salt, uuid, subsystem, hdrOffset, csum);
    }

    /** The 4096 bytes of this header with {@code csum} as given (zeroes for checksumming). */
    public byte[] encode(byte[] checksum) {
        ByteBuffer b = ByteBuffer.allocate(SIZE);
        LuksMagic.put(b, secondary);
        b.putShort((short) version);
        b.putLong(hdrSize);
        b.putLong(seqid);
        putText(b, label, LABEL_LEN);
        putText(b, checksumAlg, CSUM_ALG_LEN);
        b.put(salt);
        putText(b, uuid, UUID_LEN);
        putText(b, subsystem, SUBSYSTEM_LEN);
        b.putLong(hdrOffset);
        b.put(CSUM_OFFSET, checksum, 0, Math.min(checksum.length, CSUM_LEN));
        return b.array();
    }

    /** This header as the other copy / with another seqid / with other text fields. */
    public BinaryHeader with(boolean secondaryCopy, long newHdrOffset, long newSeqid, byte[] newSalt) {
        return new BinaryHeader(secondaryCopy, version, hdrSize, newSeqid, label, checksumAlg, newSalt, uuid, subsystem,
                newHdrOffset, new byte[CSUM_LEN]);
    }

    /** Writes {@code s} NUL-padded; callers checked it fits with its NUL ({@link #checkText}). */
    private static void putText(ByteBuffer b, String s, int len) {
        byte[] raw = s.getBytes(StandardCharsets.US_ASCII);
        b.put(raw);
        b.put(new byte[len - raw.length]);
    }

    /** @throws IllegalArgumentException if {@code s} is not printable ASCII shorter than {@code len} bytes */
    public static void checkText(String what, String s, int len) {
        if (s.length() >= len || !s.chars().allMatch(c -> c >= 0x20 && c <= 0x7e)) {
            throw new IllegalArgumentException(what + " must be printable ASCII of at most " + (len - 1) + " characters");
        }
    }

    /** Longest label/subsystem in characters. */
    public static final int MAX_LABEL = LABEL_LEN - 1;

    @Override
    public String toString() {
        return "BinaryHeader[" + (secondary ? "secondary" : "primary") + ", version " + version + ", hdr_size " + hdrSize
                + ", seqid " + seqid + ", uuid " + uuid + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BinaryHeader h && secondary == h.secondary && version == h.version && hdrSize == h.hdrSize
                && seqid == h.seqid && label.equals(h.label) && checksumAlg.equals(h.checksumAlg)
                && Arrays.equals(salt, h.salt) && uuid.equals(h.uuid) && subsystem.equals(h.subsystem)
                && hdrOffset == h.hdrOffset && Arrays.equals(csum, h.csum);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(seqid) * 31 + uuid.hashCode();
    }
}
