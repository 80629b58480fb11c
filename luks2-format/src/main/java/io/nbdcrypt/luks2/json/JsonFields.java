package io.nbdcrypt.luks2.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nbdcrypt.crypto.kdf.HashAlgorithm;
import io.nbdcrypt.luks.common.FirstRefusal;
import io.nbdcrypt.luks.common.LuksFormatException;
import io.nbdcrypt.luks.common.UnsupportedFeatureException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Typed access to LUKS2 JSON fields; every failure is a {@link LuksFormatException} naming the
 * full path ({@code keyslots.1.area.offset}).
 *
 * <p>LUKS2 stores 64-bit values as decimal strings; {@link #u64} accepts only plain digits
 * (no sign, no spaces) and values up to 2^63-1, so later sums can be checked for overflow
 * with {@link Math#addExact}.
 */
public final class JsonFields {
    private JsonFields() {}

    public static JsonNode require(JsonNode parent, String name, String path) throws LuksFormatException {
        JsonNode n = parent.get(name);
        if (n == null || n.isNull()) {
            throw new LuksFormatException(path + "." + name, "missing");
        }
        return n;
    }

    public static ObjectNode object(JsonNode parent, String name, String path) throws LuksFormatException {
        JsonNode n = require(parent, name, path);
        if (!(n instanceof ObjectNode o)) {
            throw new LuksFormatException(path + "." + name, "must be an object");
        }
        return o;
    }

    public static String string(JsonNode parent, String name, String path) throws LuksFormatException {
        JsonNode n = require(parent, name, path);
        if (!n.isTextual()) {
            throw new LuksFormatException(path + "." + name, "must be a string");
        }
        return n.textValue();
    }

    /** A JSON integer within {@code [min, max]}. */
    public static int integer(JsonNode parent, String name, String path, int min, int max) throws LuksFormatException {
        JsonNode n = require(parent, name, path);
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            throw new LuksFormatException(path + "." + name, "must be a 32-bit integer");
        }
        int v = n.intValue();
        if (v < min || v > max) {
            throw new LuksFormatException(path + "." + name, "is " + v + ", outside " + min + ".." + max);
        }
        return v;
    }

    /** A 64-bit value written as a decimal string. */
    public static long u64(JsonNode parent, String name, String path) throws LuksFormatException {
        return parseU64(string(parent, name, path), path + "." + name);
    }

    /** Parses a decimal string as a non-negative long. */
    public static long parseU64(String s, String field) throws LuksFormatException {
        if (s.isEmpty() || s.length() > 19 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new LuksFormatException(field, "must be a decimal number string below 2^63");
        }
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new LuksFormatException(field, "must be a decimal number string below 2^63");
        }
    }

    /** Standard base64 bytes of length within {@code [minLen, maxLen]}. */
    public static byte[] base64(JsonNode parent, String name, String path, int minLen, int maxLen) throws LuksFormatException {
        String s = string(parent, name, path);
        byte[] b;
        try {
            b = Base64.getDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            throw new LuksFormatException(path + "." + name, "is not valid base64");
        }
        if (b.length < minLen || b.length > maxLen) {
            throw new LuksFormatException(path + "." + name, "decodes to " + b.length + " bytes, expected "
                    + minLen + ".." + maxLen);
        }
        return b;
    }

    /** An array of strings (absent is an error). */
    public static List<String> strings(JsonNode parent, String name, String path) throws LuksFormatException {
        JsonNode n = require(parent, name, path);
        if (!(n instanceof ArrayNode a)) {
            throw new LuksFormatException(path + "." + name, "must be an array");
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
            if (!a.get(i).isTextual()) {
                throw new LuksFormatException(path + "." + name + "[" + i + "]", "must be a string");
            }
            out.add(a.get(i).textValue());
        }
        return out;
    }

    /** An array of object ids ("0".."31") referencing entries of another section. */
    public static List<Integer> ids(JsonNode parent, String name, String path, int max) throws LuksFormatException {
        List<Integer> out = new ArrayList<>();
        List<String> raw = strings(parent, name, path);
        for (int i = 0; i < raw.size(); i++) {
            int id = parseId(raw.get(i), path + "." + name + "[" + i + "]", max);
            if (out.contains(id)) {
                throw new LuksFormatException(path + "." + name, "lists " + id + " twice");
            }
            out.add(id);
        }
        return out;
    }

    /**
     * The hash cryptsetup calls {@code name}.
     *
     * @throws UnsupportedFeatureException naming {@code field} for a hash nbdcrypt does not implement
     */
    public static HashAlgorithm hash(String name, String field) throws UnsupportedFeatureException {
        try {
            return HashAlgorithm.byName(name);
        } catch (IllegalArgumentException e) {
            throw new UnsupportedFeatureException(field, e.getMessage());
        }
    }

    /** {@link #hash(String, String)}, noting a refusal in {@code refused} (and returning null) instead of throwing. */
    public static HashAlgorithm hash(String name, String field, FirstRefusal refused) {
        try {
            return hash(name, field);
        } catch (UnsupportedFeatureException e) {
            refused.note(e);
            return null;
        }
    }

    /** The ids of a section's entries ({@code keyslots}, {@code segments} ...), each checked by {@link #parseId}. */
    public static Set<Integer> sectionIds(ObjectNode section, String path, int max) throws LuksFormatException {
        Set<Integer> ids = new TreeSet<>();
        for (Map.Entry<String, JsonNode> e : section.properties()) {
            ids.add(parseId(e.getKey(), path + "." + e.getKey(), max));
        }
        return ids;
    }

    /** A section key: a decimal id in {@code 0..max-1}, no leading zeros. */
    public static int parseId(String s, String field, int max) throws LuksFormatException {
        if (s.isEmpty() || s.length() > 3 || !s.chars().allMatch(c -> c >= '0' && c <= '9')
                || (s.length() > 1 && s.charAt(0) == '0')) {
            throw new LuksFormatException(field, "id '" + s + "' is not a decimal number");
        }
        int v = Integer.parseInt(s);
        if (v >= max) {
            throw new LuksFormatException(field, "id " + v + " is out of range 0.." + (max - 1));
        }
        return v;
    }
}
