package io.nbdcrypt.luks1;

import io.nbdcrypt.luks.common.FixedText;
import io.nbdcrypt.luks.common.LuksFormatException;
import io.nbdcrypt.luks.common.LuksMagic;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The fields of a LUKS1 header exactly as stored (592 bytes, big-endian), before any rule but
 * the magic, the version and NUL-terminated text: the on-disk form, which {@link Luks1Header}
 * validates and {@code dump} shows.
 *
 * @param payloadSectors data offset in 512-byte sectors (u32)
 * @param slots          all eight keyslots, active or not
 */
public record Luks1Fields(String cipherName, String cipherMode, String hashSpec, long payloadSectors, int keyBytes,
        byte[] mkDigest, byte[] mkDigestSalt, long mkDigestIterations, String uuid, List<RawSlot> slots) {

    public static final int SIZE = 592;
    static final int ACTIVE = 0x00AC71F3;
    static final int INACTIVE = 0x0000DEAD;

    /** One of the eight keyslot descriptors; sector counts and iterations as unsigned 32-bit values. */
    public record RawSlot(int id, int active, long iterations, byte[] salt, long materialSectors, long stripes) {
        public RawSlot {
            salt = salt.clone();
        }

        @Override
        public byte[] salt() {
            return salt.clone();
        }

        public boolean isActive() {
            return active == ACTIVE;
        }
    }

    public Luks1Fields {
        mkDigest = mkDigest.clone();
        mkDigestSalt = mkDigestSalt.clone();
        slots = List.copyOf(slots);
    }

    @Override
    public byte[] mkDigest() {
        return mkDigest.clone();
    }

    @Override
    public byte[] mkDigestSalt() {
        return mkDigestSalt.clone();
    }

    /** Key material sectors of one slot, as cryptsetup's {@code AF_split_sectors}: key bytes times 4000, rounded up. */
    public long materialSectors() {
        return ((long) keyBytes * Luks1Header.STRIPES + 511) / 512;
    }

    /**
     * Reads the first {@value #SIZE} bytes of {@code b}.
     *
     * @throws LuksFormatException naming {@code luks1.magic}, {@code luks1.version} or a text field
     */
    public static Luks1Fields decode(byte[] b) throws LuksFormatException {
        if (!LuksMagic.isPrimary(b, 0)) {
            throw new LuksFormatException("luks1.magic", "not a LUKS header");
        }
        ByteBuffer in = ByteBuffer.wrap(b, 0, SIZE);
        in.position(LuksMagic.LENGTH);
        int version = Short.toUnsignedInt(in.getShort());
        if (version != 1) {
            throw new LuksFormatException("luks1.version", "version " + version + " is not LUKS1");
        }
        String cipherName = FixedText.read(in, 32, "luks1.cipher_name");
        String cipherMode = FixedText.read(in, 32, "luks1.cipher_mode");
        String hashSpec = FixedText.read(in, 32, "luks1.hash_spec");
        long payload = Integer.toUnsignedLong(in.getInt());
        int keyBytes = in.getInt();
        byte[] mkDigest = new byte[20];
        in.get(mkDigest);
        byte[] mkSalt = new byte[32];
        in.get(mkSalt);
        long mkIterations = Integer.toUnsignedLong(in.getInt());
        String uuid = FixedText.read(in, 40, "luks1.uuid");
        List<RawSlot> slots = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            int active = in.getInt();
            long iterations = Integer.toUnsignedLong(in.getInt());
            byte[] salt = new byte[32];
            in.get(salt);
            long offset = Integer.toUnsignedLong(in.getInt());
            long stripes = Integer.toUnsignedLong(in.getInt());
            slots.add(new RawSlot(i, active, iterations, salt, offset, stripes));
        }
        return new Luks1Fields(cipherName, cipherMode, hashSpec, payload, keyBytes, mkDigest, mkSalt, mkIterations, uuid, slots);
    }
}
