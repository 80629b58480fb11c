package io.nbdcrypt.luks2.digest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nbdcrypt.crypto.kdf.HashAlgorithm;
import io.nbdcrypt.luks.common.KdfFloor;
import io.nbdcrypt.luks.common.LuksFormatException;
import io.nbdcrypt.luks2.json.JsonFields;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Validates the {@code digests} section: type {@code pbkdf2}, a listed hash, iterations at
 * least {@link KdfFloor#PBKDF2_MIN_ITERATIONS}, references to existing keyslots and segments,
 * each keyslot in at most one digest, and every keyslot and segment covered by one.
 */
public final class DigestValidator {
    private DigestValidator() {}

    public static Map<Integer, Digest> validate(ObjectNode digests, Set<Integer> keyslotIds, Set<Integer> segmentIds)
            throws LuksFormatException {
        Map<Integer, Digest> out = new TreeMap<>();
        Set<Integer> boundKeyslots = new HashSet<>();
        Set<Integer> boundSegments = new HashSet<>();
        for (Map.Entry<String, JsonNode> e : digests.properties()) {
            String path = "digests." + e.getKey();
            int id = JsonFields.parseId(e.getKey(), path, 32);
            if (!(e.getValue() instanceof ObjectNode d)) {
                throw new LuksFormatException(path, "must be an object");
            }
            Digest digest = one(id, d, path);
            for (int k : digest.keyslots()) {
                if (!keyslotIds.contains(k)) {
                    throw new LuksFormatException(path + ".keyslots", "references keyslot " + k + ", which does not exist");
                }
                if (!boundKeyslots.add(k)) {
                    throw new LuksFormatException(path + ".keyslots", "keyslot " + k + " is bound to two digests");
                }
            }
            for (int s : digest.segments()) {
                if (!segmentIds.contains(s)) {
                    throw new LuksFormatException(path + ".segments", "references segment " + s + ", which does not exist");
                }
                boundSegments.add(s);
            }
            out.put(id, digest);
        }
        for (int k : keyslotIds) {
            if (!boundKeyslots.contains(k)) {
                throw new LuksFormatException("keyslots." + k, "is not bound to any digest");
            }
        }
        for (int s : segmentIds) {
            if (!boundSegments.contains(s)) {
                throw new LuksFormatException("segments." + s, "is not bound to any digest");
            }
        }
        return out;
    }

    private static Digest one(int id, ObjectNode d, String path) throws LuksFormatException {
        String type = JsonFields.string(d, "type", path);
        if (!type.equals("pbkdf2")) {
            throw new LuksFormatException(path + ".type", "digest type '" + type + "' is not supported (only pbkdf2)");
        }
        HashAlgorithm hash;
        String hashName = JsonFields.string(d, "hash", path);
        try {
            hash = HashAlgorithm.byName(hashName);
        } catch (IllegalArgumentException e) {
            throw new LuksFormatException(path + ".hash", e.getMessage());
        }
        int iterations = JsonFields.integer(d, "iterations", path, 0, Integer.MAX_VALUE);
        if (iterations < KdfFloor.PBKDF2_MIN_ITERATIONS) {
            throw new LuksFormatException(path + ".iterations", "is " + iterations + ", below the floor of "
                    + KdfFloor.PBKDF2_MIN_ITERATIONS);
        }
        byte[] salt = JsonFields.base64(d, "salt", path, 1, 1024);
        byte[] value = JsonFields.base64(d, "digest", path, 16, 1024);
        // cryptsetup accepts the LUKS1 digest size (20) or the hash's own size, nothing else.
        if (value.length != 20 && value.length != hash.length()) {
            throw new LuksFormatException(path + ".digest", "is " + value.length + " bytes; expected 20 or "
                    + hash.length() + " for " + hash);
        }
        return new Digest(id, JsonFields.ids(d, "keyslots", path, 32), JsonFields.ids(d, "segments", path, 32),
                hash, iterations, salt, value);
    }
}
