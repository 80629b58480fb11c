package io.nbdcrypt.luks1;

import io.nbdcrypt.crypto.kdf.HashAlgorithm;
import io.nbdcrypt.luks.common.FirstRefusal;
import io.nbdcrypt.luks.common.HeaderLocation;
import io.nbdcrypt.luks.common.KdfFloor;
import io.nbdcrypt.luks.common.LuksFormatException;
import io.nbdcrypt.luks.common.Refusals;
import io.nbdcrypt.luks.common.UnsupportedFeatureException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A validated LUKS1 header (592 bytes, big-endian): magic, version 1, cipher name and mode,
 * hash, payload offset (512-byte sectors), key bytes, master-key digest (20 bytes) with its
 * salt and iterations, UUID, then 8 keyslots of {active, iterations, salt[32], material
 * offset (sectors), stripes}.
 *
 * <p>Geometry, as cryptsetup checks it ({@code LUKS_check_keyslots}), for all eight keyslots,
 * disabled ones too: 4000 stripes, material after the header and, unless the payload offset
 * is 0, before the payload, no two areas overlapping; and the header device must hold the last
 * area. Breaking one of these is malformed (cryptsetup: "LUKS keyslot N is invalid").
 *
 * <p>Policy, nbdcrypt's own: only the ciphers of {@link Luks1Cipher} ({@code aes} with
 * {@code xts-plain64}, {@code xts-plain} or, read-only, {@code cbc-essiv:sha256}) with a key
 * size that fits, a hash we implement, and at least 1000 PBKDF2 iterations for the digest and
 * every active keyslot; these are {@link UnsupportedFeatureException}s, which {@code dump} lists.
 */
public record Luks1Header(Luks1Cipher cipher, HashAlgorithm hash, long payloadOffset, int keyBytes, byte[] mkDigest,
        byte[] mkDigestSalt, int mkDigestIterations, String uuid, List<Slot> slots) {

    public static final int SIZE = Luks1Fields.SIZE;
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
     * Parses and validates the first {@value #SIZE} bytes of a LUKS1 device, strictly.
     *
     * @param deviceSize size of the header device, which must hold every keyslot area
     * @throws LuksFormatException naming the field ({@code luks1.cipher_mode}, {@code luks1.keyslot.3.stripes} ...)
     */
    public static Luks1Header parse(byte[] b, long deviceSize, HeaderLocation location) throws LuksFormatException {
        return check(Luks1Fields.decode(b), deviceSize, location, Refusals.STRICT);
    }

    /**
     * Validates {@code f}: malformed is thrown, policy refusals go to {@code refusals}.
     *
     * @return the header, or null when a refusal was collected
     */
    static Luks1Header check(Luks1Fields f, long deviceSize, HeaderLocation location, Refusals refusals)
            throws LuksFormatException {
        FirstRefusal refused = new FirstRefusal();
        Luks1Cipher cipher = null;
        try {
            cipher = Luks1Cipher.parse(f.cipherName(), f.cipherMode());
        } catch (UnsupportedFeatureException e) {
            refused.note(e);
        }
        HashAlgorithm hash = null;
        try {
            hash = HashAlgorithm.byName(f.hashSpec());
        } catch (IllegalArgumentException e) {
            refused.note("luks1.hash_spec", e.getMessage());
        }
        if (cipher != null && !cipher.validKeySize(f.keyBytes())) {
            refused.note("luks1.key_bytes", "is " + f.keyBytes() + "; " + cipher.spec() + " keys are "
                    + cipher.keySizes() + " bytes");
        }
        if (f.keyBytes() <= 0 || f.keyBytes() > 512) {
            throw new LuksFormatException("luks1.key_bytes", "is " + f.keyBytes() + ", not a key size");
        }
        if (f.mkDigestIterations() < KdfFloor.PBKDF2_MIN_ITERATIONS) {
            refused.note("luks1.mk_digest_iterations", "is " + f.mkDigestIterations() + ", below the floor of "
                    + KdfFloor.PBKDF2_MIN_ITERATIONS);
        }
        List<Slot> slots = activeSlots(f, deviceSize, location, refused);
        checkGeometry(f);
        long payloadOffset = f.payloadSectors() * 512;
        if (!location.isDetached() && payloadOffset < SIZE) {
            throw new LuksFormatException("luks1.payload_offset", "data at " + payloadOffset + " overlaps the header");
        }
        long need = deviceBytes(f);
        if (deviceSize < need) {
            throw new LuksFormatException("device", "is too small: " + deviceSize + " bytes, but LUKS1 requires at least "
                    + need + " for this header's keyslots (a truncated image or a wrong device?)");
        }
        try {
            refused.throwIfAny();
        } catch (UnsupportedFeatureException e) {
            refusals.refuse(e);
            return null;
        }
        return new Luks1Header(cipher, hash, payloadOffset, f.keyBytes(), f.mkDigest(), f.mkDigestSalt(),
                (int) f.mkDigestIterations(), f.uuid(), slots);
    }

    /** The active keyslots, each within the header device (or before the payload) and not overlapping another. */
    private static List<Slot> activeSlots(Luks1Fields f, long deviceSize, HeaderLocation location, FirstRefusal refused)
            throws LuksFormatException {
        long material = f.materialSectors() * 512;
        long payloadOffset = f.payloadSectors() * 512;
        List<Slot> slots = new ArrayList<>();
        for (Luks1Fields.RawSlot r : f.slots()) {
            String path = "luks1.keyslot." + r.id();
            if (r.active() == Luks1Fields.INACTIVE) {
                continue;
            }
            if (!r.isActive()) {
                throw new LuksFormatException(path + ".active", "is neither the active nor the inactive marker");
            }
            if (r.iterations() < KdfFloor.PBKDF2_MIN_ITERATIONS) {
                refused.note(path + ".iterations", "is " + r.iterations() + ", below the floor of "
                        + KdfFloor.PBKDF2_MIN_ITERATIONS);
            }
            if (r.stripes() != STRIPES) {
                throw new LuksFormatException(path + ".stripes", "is " + r.stripes() + "; LUKS uses " + STRIPES);
            }
            long offset = r.materialSectors() * 512;
            long limit = location.isDetached() ? deviceSize : Math.min(deviceSize, payloadOffset);
            if (offset < SIZE || offset + material > limit) {
                throw new LuksFormatException(path + ".key_material_offset", "material at " + offset + "+" + material
                        + " is not between the header and "
                        + (location.isDetached() ? "the end of the header device" : "the payload"));
            }
            for (Slot s : slots) {
                if (offset < s.materialOffset() + material && s.materialOffset() < offset + material) {
                    throw new LuksFormatException(path + ".key_material_offset", "overlaps keyslot " + s.id());
                }
            }
            slots.add(new Slot(r.id(), (int) Math.min(Integer.MAX_VALUE, r.iterations()), r.salt(), offset, (int) r.stripes()));
        }
        return slots;
    }

    /**
     * cryptsetup's geometry rules over all eight keyslots, enabled or not: a disabled slot with
     * bad geometry makes cryptsetup refuse the whole header, so it is refused here too.
     */
    private static void checkGeometry(Luks1Fields f) throws LuksFormatException {
        long secs = f.materialSectors();
        long payload = f.payloadSectors();
        for (Luks1Fields.RawSlot r : f.slots()) {
            String path = "luks1.keyslot." + r.id();
            if (r.stripes() != STRIPES) {
                throw invalid(path + ".stripes", r.id(), "stripes " + r.stripes() + ", not " + STRIPES);
            }
            if (r.materialSectors() * 512 < SIZE) {
                throw invalid(path + ".key_material_offset", r.id(), "material at sector " + r.materialSectors()
                        + " overlaps the header");
            }
            // A payload offset of 0 is a detached header: the areas are bounded by the header device.
            if (payload != 0 && (payload <= r.materialSectors() || payload < r.materialSectors() + secs)) {
                throw invalid(path + ".key_material_offset", r.id(), "material at sectors " + r.materialSectors() + "+"
                        + secs + " runs into the payload at sector " + payload);
            }
        }
        List<Luks1Fields.RawSlot> sorted = new ArrayList<>(f.slots());
        sorted.sort(Comparator.comparingLong(Luks1Fields.RawSlot::materialSectors));
        for (int i = 1; i < sorted.size(); i++) {
            Luks1Fields.RawSlot prev = sorted.get(i - 1);
            if (sorted.get(i).materialSectors() < prev.materialSectors() + secs) {
                throw invalid("luks1.keyslot." + prev.id() + ".key_material_offset", prev.id(), "its material overlaps"
                        + " keyslot " + sorted.get(i).id() + "'s");
            }
        }
    }

    /** Bytes the header device must have: the end of the last keyslot area (cryptsetup's LUKS_device_sectors). */
    static long deviceBytes(Luks1Fields f) {
        long last = f.slots().stream().mapToLong(Luks1Fields.RawSlot::materialSectors).max().orElse(0);
        return (last + f.materialSectors()) * 512;
    }

    private static LuksFormatException invalid(String field, int slot, String why) {
        return new LuksFormatException(field, "LUKS keyslot " + slot + " is invalid (" + why + ")");
    }
}
