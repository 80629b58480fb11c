package io.nbdcrypt.luks2.digest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nbdcrypt.crypto.kdf.HashAlgorithm;
import io.nbdcrypt.luks.common.FirstRefusal;
import io.nbdcrypt.luks.common.KdfFloor;
import io.nbdcrypt.luks.common.LuksFormatException;
import io.nbdcrypt.luks.common.Printable;
import io.nbdcrypt.luks.common.Refusals;
import io.nbdcrypt.luks.common.UnsupportedFeatureException;
import io.nbdcrypt.luks2.json.JsonFields;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Validates the {@code digests} section: references to existing keyslots and segments, each
 * keyslot in at most one digest, every keyslot and segment covered by one (malformed
 * otherwise, as cryptsetup says too); type {@code pbkdf2}, a listed hash, iterations at least
 * {@link KdfFloor#PBKDF2_MIN_ITERATIONS}, a digest of the length cryptsetup checks
 * (unsupported otherwise, handed to the {@link Refusals}).
 */
public final class DigestValidator {
    private DigestValidator() {}

    /**
     * The digests nbdcrypt can check; the refused ones went to {@code refusals}.
     *
     * @param keyslotIds every keyslot id of the header, usable or not
     * @param segmentIds every segment id of the header, usable or not
     */
    public static Map<Integer, Digest> validate(ObjectNode digests, Set<Integer> keyslotIds, Set<Integer> segmentIds,
            Refusals refusals) throws LuksFormatException {
        Map<Integer, Digest> out = new TreeMap<>();
        Set<Integer> boundKeyslots = new HashSet<>();
        Set<Integer> boundSegments = new HashSet<>();
        for (Map.Entry<String, JsonNode> e : digests.properties()) {
            String path = "digests." + e.getKey();
            int id = JsonFields.parseId(e.getKey(), path, 32);
            if (!(e.getValue() instanceof ObjectNode d)) {
                throw new LuksFormatException(path, "must be an object");
            }
            List<Integer> keyslots = JsonFields.ids(d, "keyslots", path, 32);
            List<Integer> segments = JsonFields.ids(d, "segments", path, 32);
            for (int k : keyslots) {
                if (!keyslotIds.contains(k)) {
                    throw new LuksFormatException(path + ".keyslots", "references keyslot " + k + ", which does not exist");
                }
                if (!boundKeyslots.add(k)) {
                    throw new LuksFormatException(path + ".keyslots", "keyslot " + k + " is bound to two digests");
                }
            }
            for (int s : segments) {
                if (!segmentIds.contains(s)) {
                    throw new LuksFormatException(path + ".segments", "references segment " + s + ", which does not exist");
                }
                boundSegments.add(s);
            }
            try {
                out.put(id, one(id, d, path, keyslots, segments));
            } catch (UnsupportedFeatureException refused) {
                refusals.refuse(refused);
            }
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

    private static Digest one(int id, ObjectNode d, String path, List<Integer> keyslots, List<Integer> segments)
            throws LuksFormatException {
        String type = JsonFields.string(d, "type", path);
        if (!type.equals("pbkdf2")) {
            throw new UnsupportedFeatureException(path + ".type", "digest type '" + Printable.of(type)
                    + "' is not supported (only pbkdf2)");
        }
        FirstRefusal refused = new FirstRefusal();
        HashAlgorithm hash = JsonFields.hash(JsonFields.string(d, "hash", path), path + ".hash", refused);
        int iterations = JsonFields.integer(d, "iterations", path, 0, Integer.MAX_VALUE);
        if (iterations < KdfFloor.PBKDF2_MIN_ITERATIONS) {
            refused.note(path + ".iterations", "is " + iterations + ", below the floor of " + KdfFloor.PBKDF2_MIN_ITERATIONS);
        }
        byte[] salt = JsonFields.base64(d, "salt", path, 1, 1024);
        byte[] value = JsonFields.base64(d, "digest", path, 16, 1024);
        // cryptsetup accepts the LUKS1 digest size (20) or the hash's own size; with any other
        // length, cryptsetup 2.6.1 accepts every passphrase, so nbdcrypt refuses it.
        if (hash != null && value.length != 20 && value.length != hash.length()) {
            refused.note(path + ".digest", "is " + value.length + " bytes; expected 20 or " + hash.length() + " for " + hash);
        }
        refused.throwIfAny();
        return new Digest(id, keyslots, segments, hash, iterations, salt, value);
    }
}
