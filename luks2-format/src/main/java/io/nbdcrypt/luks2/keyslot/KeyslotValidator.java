package io.nbdcrypt.luks2.keyslot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nbdcrypt.crypto.kdf.HashAlgorithm;
import io.nbdcrypt.crypto.kdf.KdfParameters;
import io.nbdcrypt.luks.common.FirstRefusal;
import io.nbdcrypt.luks.common.KdfFloor;
import io.nbdcrypt.luks.common.KeyMaterialCipher;
import io.nbdcrypt.luks.common.LuksFormatException;
import io.nbdcrypt.luks.common.Printable;
import io.nbdcrypt.luks.common.Refusals;
import io.nbdcrypt.luks.common.UnsupportedFeatureException;
import io.nbdcrypt.luks2.json.JsonFields;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Validates the {@code keyslots} section: type {@code luks2}, AF {@code luks1} with 4000
 * stripes, an allow-listed area cipher ({@link KeyMaterialCipher}), a KDF within
 * {@link KdfFloor}, an area inside the keyslots area that holds the AF material, and no two
 * areas overlapping.
 *
 * <p>Structure (what cryptsetup requires too) is refused as {@link LuksFormatException};
 * what cryptsetup reads but nbdcrypt does not (another keyslot type, cipher, hash or KDF, a
 * cost off the floor) as {@link UnsupportedFeatureException}, handed to the {@link Refusals}.
 */
public final class KeyslotValidator {
    /** LUKS2 allows keyslot ids 0..31. */
    public static final int MAX_KEYSLOTS = 32;
    /** The only stripe count LUKS2 uses. */
    public static final int STRIPES = 4000;

    private KeyslotValidator() {}

    /**
     * The keyslots nbdcrypt can use; the refused ones went to {@code refusals}.
     *
     * @param areaStart first byte of the keyslots area (2 * hdr_size)
     * @param areaEnd   first byte after it (areaStart + keyslots_size)
     */
    public static Map<Integer, Keyslot> validate(ObjectNode keyslots, long areaStart, long areaEnd, Refusals refusals)
            throws LuksFormatException {
        Map<Integer, Keyslot> out = new TreeMap<>();
        for (Map.Entry<String, JsonNode> e : keyslots.properties()) {
            String path = "keyslots." + e.getKey();
            int id = JsonFields.parseId(e.getKey(), path, MAX_KEYSLOTS);
            if (!(e.getValue() instanceof ObjectNode k)) {
                throw new LuksFormatException(path, "must be an object");
            }
            try {
                out.put(id, one(id, k, path, areaStart, areaEnd));
            } catch (UnsupportedFeatureException refused) {
                refusals.refuse(refused);
            }
        }
        checkOverlaps(new ArrayList<>(out.values()));
        return out;
    }

    private static Keyslot one(int id, ObjectNode k, String path, long areaStart, long areaEnd) throws LuksFormatException {
        String type = JsonFields.string(k, "type", path);
        if (type.equals("reencrypt")) {
            throw new UnsupportedFeatureException(path + ".type", "keyslot of a LUKS2 reencryption in progress;"
                    + " finish it first (cryptsetup reencrypt --resume-only DEVICE)");
        }
        if (!type.equals("luks2")) {
            throw new UnsupportedFeatureException(path + ".type", "keyslot type '" + Printable.of(type)
                    + "' is not supported (only luks2)");
        }
        FirstRefusal refused = new FirstRefusal();
        int keySize = JsonFields.integer(k, "key_size", path, 1, 512);
        int priority = k.has("priority") ? JsonFields.integer(k, "priority", path, 0, 2) : Keyslot.PRIORITY_NORMAL;
        ObjectNode af = JsonFields.object(k, "af", path);
        String afType = JsonFields.string(af, "type", path + ".af");
        if (!afType.equals("luks1")) {
            throw new LuksFormatException(path + ".af.type", "AF type '" + Printable.of(afType) + "' is not supported (only luks1)");
        }
        int stripes = JsonFields.integer(af, "stripes", path + ".af", 0, Integer.MAX_VALUE);
        if (stripes != STRIPES) {
            refused.note(path + ".af.stripes", "is " + stripes + "; LUKS2 keyslots use " + STRIPES);
        }
        HashAlgorithm afHash = JsonFields.hash(JsonFields.string(af, "hash", path + ".af"), path + ".af.hash", refused);

        ObjectNode area = JsonFields.object(k, "area", path);
        String areaType = JsonFields.string(area, "type", path + ".area");
        if (!areaType.equals("raw")) {
            throw new LuksFormatException(path + ".area.type", "area type '" + Printable.of(areaType)
                    + "' is not supported (only raw)");
        }
        String encryption = JsonFields.string(area, "encryption", path + ".area");
        KeyMaterialCipher cipher = KeyMaterialCipher.bySpec(encryption).orElse(null);
        int areaKeySize = JsonFields.integer(area, "key_size", path + ".area", 0, 1024);
        if (cipher == null) {
            refused.note(path + ".area.encryption", "cipher '" + Printable.of(encryption) + "' is refused (allowed: "
                    + String.join(", ", KeyMaterialCipher.allowed()) + ")");
        } else if (!cipher.validKeySize(areaKeySize)) {
            refused.note(path + ".area.key_size", "is " + areaKeySize + "; " + cipher + " keys are " + cipher.keySizes()
                    + " bytes");
        }
        long offset = JsonFields.u64(area, "offset", path + ".area");
        long size = JsonFields.u64(area, "size", path + ".area");
        if (offset % 512 != 0 || size % 512 != 0) {
            throw new LuksFormatException(path + ".area", "offset and size must be multiples of 512");
        }
        if (offset < areaStart || offset > areaEnd || size > areaEnd - offset) {
            throw new LuksFormatException(path + ".area.offset", "area " + offset + "+" + size
                    + " lies outside the keyslots area " + areaStart + ".." + areaEnd);
        }
        if (size < Keyslot.materialLength(keySize, stripes)) {
            throw new LuksFormatException(path + ".area.size", "is " + size + ", smaller than the "
                    + Keyslot.materialLength(keySize, stripes) + " bytes of AF material");
        }
        ObjectNode kdf = JsonFields.object(k, "kdf", path);
        KdfParameters params = null;
        try {
            params = kdf(kdf, path + ".kdf");
        } catch (UnsupportedFeatureException e) {
            refused.note(e);
        }
        byte[] salt = JsonFields.base64(kdf, "salt", path + ".kdf", 1, 1024);
        refused.throwIfAny();
        return new Keyslot(id, keySize, priority, stripes, afHash, offset, size, cipher, areaKeySize, params, salt);
    }

    /** Parses and checks a {@code kdf} object (shared with LUKS2 keyslots only; digests have their own). */
    static KdfParameters kdf(ObjectNode kdf, String path) throws LuksFormatException {
        String type = JsonFields.string(kdf, "type", path);
        switch (type) {
            case "pbkdf2" -> {
                FirstRefusal refused = new FirstRefusal();
                HashAlgorithm h = JsonFields.hash(JsonFields.string(kdf, "hash", path), path + ".hash", refused);
                int it = JsonFields.integer(kdf, "iterations", path, 0, Integer.MAX_VALUE);
                if (it < KdfFloor.PBKDF2_MIN_ITERATIONS) {
                    refused.note(path + ".iterations", "is " + it + ", below the floor of " + KdfFloor.PBKDF2_MIN_ITERATIONS);
                }
                refused.throwIfAny();
                return new KdfParameters.Pbkdf2(h, it);
            }
            case "argon2i", "argon2id" -> {
                int time = JsonFields.integer(kdf, "time", path, 0, Integer.MAX_VALUE);
                int memory = JsonFields.integer(kdf, "memory", path, 0, Integer.MAX_VALUE);
                int cpus = JsonFields.integer(kdf, "cpus", path, 0, Integer.MAX_VALUE);
                if (time < KdfFloor.ARGON2_MIN_TIME || time > KdfFloor.ARGON2_MAX_TIME) {
                    throw new UnsupportedFeatureException(path + ".time", "is " + time + ", outside "
                            + KdfFloor.ARGON2_MIN_TIME + ".." + KdfFloor.ARGON2_MAX_TIME);
                }
                if (memory < KdfFloor.ARGON2_MIN_MEMORY_KIB || memory > KdfFloor.ARGON2_MAX_MEMORY_KIB) {
                    throw new UnsupportedFeatureException(path + ".memory", "is " + memory + " KiB, outside "
                            + KdfFloor.ARGON2_MIN_MEMORY_KIB + ".." + KdfFloor.ARGON2_MAX_MEMORY_KIB);
                }
                if (cpus < 1 || cpus > KdfFloor.ARGON2_MAX_CPUS || memory < 8 * cpus) {
                    throw new UnsupportedFeatureException(path + ".cpus", "is " + cpus + ", outside 1.."
                            + KdfFloor.ARGON2_MAX_CPUS + " (and memory must be at least 8 KiB per cpu)");
                }
                return new KdfParameters.Argon2(KdfParameters.Argon2Type.byName(type), time, memory, cpus);
            }
            default -> throw new UnsupportedFeatureException(path + ".type", "KDF '" + Printable.of(type)
                    + "' is not supported (pbkdf2, argon2i, argon2id)");
        }
    }

    private static void checkOverlaps(List<Keyslot> slots) throws LuksFormatException {
        for (int i = 0; i < slots.size(); i++) {
            for (int j = i + 1; j < slots.size(); j++) {
                Keyslot a = slots.get(i);
                Keyslot b = slots.get(j);
                if (a.areaOffset() < b.areaOffset() + b.areaSize() && b.areaOffset() < a.areaOffset() + a.areaSize()) {
                    throw new LuksFormatException("keyslots." + b.id() + ".area", "overlaps the area of keyslot " + a.id());
                }
            }
        }
    }
}
