package io.nbdcrypt.luks1;

import io.nbdcrypt.crypto.kdf.HashAlgorithm;
import io.nbdcrypt.luks.common.FixedText;
import io.nbdcrypt.luks.common.HeaderLocation;
import io.nbdcrypt.luks.common.KdfFloor;
import io.nbdcrypt.luks.common.LuksFormatException;
import io.nbdcrypt.luks.common.LuksMagic;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A validated LUKS1 header (592 bytes, big-endian): magic, version 1, cipher name and mode,
 * hash, payload offset (512-byte sectors), key bytes, master-key digest (20 bytes) with its
 * salt and iterations, UUID, then 8 keyslots of {active, iterations, salt[32], material
 * offset (sectors), stripes}.
 *
 * <p>Only the ciphers of {@link Luks1Cipher} are accepted ({@code aes} with {@code xts-plain64},
 * {@code xts-plain} or, for reading legacy volumes, {@code cbc-essiv:sha256}), with a key size
 * that fits the cipher. Keyslots must use 4000 stripes and at
 * least 1000 iterations, lie after the header, before the payload (unless the header is
 * detached) and not overlap.
 */
public record Luks1Header(Luks1Cipher cipher, HashAlgorithm hash, long payloadOffset, int keyBytes, byte[] mkDigest,
        byte[] mkDigestSalt, int mkDigestIterations, String uuid, List<Slot> slots) {

    public static final int SIZE = 592;
    static final int ACTIVE = 0x00AC71F3;
    static final int INACTIVE = 0x0000DEAD;
    public static final int STRIPES = 4000;

    /** An active keyslot. {@code materialOffset} in bytes. */
    public record Slot(int id, int iterations, byte[] salt, long materialOffset, int stripes) {}

    public Luks1Header {
        mkDigest = mkDigest.clone();
        mkDigestSalt = mkDigestSalt.clone();
        slots = List.copyOf(slots);
    }

    /** Key material length of one slot: key bytes times stripes, rounded up to 512. */
    public long materialLength() {
        return ((long) keyBytes * STRIPES + 511) / 512 * 512;
    }

    /**
     * Parses and validates the first {@value #SIZE} bytes of a LUKS1 device.
     *
     * @param deviceSize size of the header device, to bound keyslot areas
     * @throws LuksFormatException naming the field ({@code luks1.cipher_mode}, {@code luks1.keyslot.3.stripes} ...)
     */
    public static Luks1Header parse(byte[] b, long deviceSize, HeaderLocation location) throws LuksFormatException {
        ByteBuffer in = ByteBuffer.wrap(b, 0, SIZE);
        in.position(LuksMagic.LENGTH);
        if (!LuksMagic.isPrimary(b, 0)) {
            throw new LuksFormatException("luks1.magic", "not a LUKS header");
        }
        int version = Short.toUnsignedInt(in.getShort());
        if (version != 1) {
            throw new LuksFormatException("luks1.version", "version " + version + " is not LUKS1");
        }
        String cipherName = FixedText.read(in, 32, "luks1.cipher_name");
        String cipherMode = FixedText.read(in, 32, "luks1.cipher_mode");
        String hashSpec = FixedText.read(in, 32, "luks1.hash_spec");
        long payloadOffset = Integer.toUnsignedLong(in.getInt()) * 512;
        int keyBytes = in.getInt();
        byte[] mkDigest = new byte[20];
        in.get(mkDigest);
        byte[] mkSalt = new byte[32];
        in.get(mkSalt);
        int mkIterations = in.getInt();
        String uuid = FixedText.read(in, 40, "luks1.uuid");
        Luks1Cipher cipher = Luks1Cipher.parse(cipherName, cipherMode);
        HashAlgorithm hash;
        try {
            hash = HashAlgorithm.byName(hashSpec);
        } catch (IllegalArgumentException e) {
            throw new LuksFormatException("luks1.hash_spec", e.getMessage());
        }
        if (!cipher.validKeySize(keyBytes)) {
            throw new LuksFormatException("luks1.key_bytes", "is " + keyBytes + "; " + cipher.spec() + " keys are "
                    + cipher.keySizes() + " bytes");
        }
        if (mkIterations < KdfFloor.PBKDF2_MIN_ITERATIONS) {
            throw new LuksFormatException("luks1.mk_digest_iterations", "is " + Integer.toUnsignedString(mkIterations)
                    + ", below the floor of " + KdfFloor.PBKDF2_MIN_ITERATIONS);
        }
        long material = ((long) keyBytes * STRIPES + 511) / 512 * 512;
        List<Slot> slots = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            String path = "luks1.keyslot." + i;
            int active = in.getInt();
            int iterations = in.getInt();
            byte[] salt = new byte[32];
            in.get(salt);
            long offset = Integer.toUnsignedLong(in.getInt()) * 512;
            int stripes = in.getInt();
            if (active == INACTIVE) {
                continue;
            }
            if (active != ACTIVE) {
                throw new LuksFormatException(path + ".active", "is neither the active nor the inactive marker");
            }
            if (iterations < KdfFloor.PBKDF2_MIN_ITERATIONS) {
                throw new LuksFormatException(path + ".iterations", "is " + Integer.toUnsignedString(iterations)
                        + ", below the floor of " + KdfFloor.PBKDF2_MIN_ITERATIONS);
            }
            if (stripes != STRIPES) {
                throw new LuksFormatException(path + ".stripes", "is " + Integer.toUnsignedString(stripes) + "; LUKS uses " + STRIPES);
            }
            long limit = location.isDetached() ? deviceSize : Math.min(deviceSize, payloadOffset);
            if (offset < SIZE || offset + material > limit) {
                throw new LuksFormatException(path + ".key_material_offset", "material at " + offset + "+" + material
                        + " is not between the header and " + (location.isDetached() ? "the end of the header device" : "the payload"));
            }
            for (Slot s : slots) {
                if (offset < s.materialOffset() + material && s.materialOffset() < offset + material) {
                    throw new LuksFormatException(path + ".key_material_offset", "overlaps keyslot " + s.id());
                }
            }
            slots.add(new Slot(i, iterations, salt, offset, stripes));
        }
        if (!location.isDetached() && payloadOffset < SIZE) {
            throw new LuksFormatException("luks1.payload_offset", "data at " + payloadOffset + " overlaps the header");
        }
        return new Luks1Header(cipher, hash, payloadOffset, keyBytes, mkDigest, mkSalt, mkIterations, uuid, slots);
    }
}
