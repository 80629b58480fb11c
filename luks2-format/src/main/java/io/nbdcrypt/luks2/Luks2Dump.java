package io.nbdcrypt.luks2;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nbdcrypt.luks.common.RefusalReport;
import io.nbdcrypt.luks.common.UnsupportedFeatureException;
import io.nbdcrypt.luks2.json.JsonArea;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;

/**
 * A LUKS2 header as {@code cryptsetup luksDump} prints it, line for line (cryptsetup 2.6.1's
 * {@code LUKS2_hdr_dump}), drawn from the JSON the way cryptsetup draws it, so headers with
 * features nbdcrypt does not open (other KDFs, ciphers, segment and keyslot types, a
 * reencryption in progress) show the same. What nbdcrypt refuses follows in a block of its
 * own ({@link RefusalReport}); without refusals the text is cryptsetup's.
 */
public final class Luks2Dump {
    private Luks2Dump() {}

    /** The luksDump text of {@code h}, then the refusals block if there are refusals. */
    public static String text(Luks2Inspection h) {
        ObjectNode j = h.json();
        StringBuilder s = new StringBuilder("LUKS header information\n");
        s.append("Version:       \t").append(h.binary().version()).append('\n');
        s.append("Epoch:         \t").append(Long.toUnsignedString(h.seqid())).append('\n');
        s.append("Metadata area: \t").append(number(j.path("config").path("json_size")) + 4096).append(" [bytes]\n");
        s.append("Keyslots area: \t").append(number(j.path("config").path("keyslots_size"))).append(" [bytes]\n");
        s.append("UUID:          \t").append(orElse(h.binary().uuid(), "(no UUID)")).append('\n');
        s.append("Label:         \t").append(orElse(h.binary().label(), "(no label)")).append('\n');
        s.append("Subsystem:     \t").append(orElse(h.binary().subsystem(), "(no subsystem)")).append('\n');
        config(s, j.path("config"));
        segments(s, j);
        keyslots(s, j);
        tokens(s, j.path("tokens"));
        digests(s, j.path("digests"));
        RefusalReport.append(s, h.refusals());
        return s.toString();
    }

    /** One JSON object: binary header fields, the metadata as stored, and what nbdcrypt refuses. */
    public static ObjectNode json(Luks2Inspection h) {
        ObjectNode root = JsonArea.newObject();
        root.put("luks_version", 2);
        ObjectNode b = root.putObject("binary");
        b.put("version", h.binary().version());
        b.put("hdr_size", h.binary().hdrSize());
        b.put("seqid", h.seqid());
        b.put("label", h.binary().label());
        b.put("subsystem", h.binary().subsystem());
        b.put("checksum_alg", h.binary().checksumAlg());
        b.put("uuid", h.binary().uuid());
        root.set("metadata", h.json());
        ArrayNode refused = root.putArray("nbdcrypt_refuses");
        for (UnsupportedFeatureException e : h.refusals()) {
            refused.addObject().put("field", e.field()).put("reason", RefusalReport.reason(e));
        }
        return root;
    }

    private static void config(StringBuilder s, JsonNode config) {
        JsonNode flags = config.path("flags");
        JsonNode reqs = config.path("requirements").path("mandatory");
        s.append("Flags:       \t");
        for (JsonNode f : flags) {
            s.append(text(f)).append(' ');
        }
        s.append(flags.size() > 0 ? "" : "(no flags)").append('\n').append(reqs.size() > 0 ? "" : "\n");
        if (reqs.size() > 0) {
            s.append("Requirements:\t");
            for (JsonNode r : reqs) {
                s.append(text(r)).append(' ');
            }
            s.append("\n\n");
        }
    }

    private static void segments(StringBuilder s, ObjectNode j) {
        s.append("Data segments:\n");
        JsonNode segments = j.path("segments");
        for (int i = 0; i < 32; i++) {
            JsonNode g = segments.get(Integer.toString(i));
            if (g == null) {
                continue;
            }
            s.append("  ").append(i).append(": ").append(text(g.get("type"))).append('\n');
            s.append("\toffset: ").append(number(g.get("offset"))).append(" [bytes]\n");
            s.append("\tlength: ").append("dynamic".equals(text(g.get("size"))) ? "(whole device)"
                    : number(g.get("size")) + " [bytes]").append('\n');
            if (g.has("encryption")) {
                s.append("\tcipher: ").append(text(g.get("encryption"))).append('\n');
            }
            if (g.has("sector_size")) {
                s.append("\tsector: ").append(number(g.get("sector_size"))).append(" [bytes]\n");
            }
            if (g.path("integrity").has("type")) {
                s.append("\tintegrity: ").append(text(g.get("integrity").get("type"))).append('\n');
            }
            JsonNode flags = g.path("flags");
            if (flags.size() > 0) {
                s.append("\tflags : ").append(text(flags.get(0)));
                for (int f = 1; f < flags.size(); f++) {
                    s.append(", ").append(text(flags.get(f)));
                }
                s.append('\n');
            }
            s.append('\n');
        }
    }

    private static void keyslots(StringBuilder s, ObjectNode j) {
        s.append("Keyslots:\n");
        JsonNode keyslots = j.path("keyslots");
        for (int i = 0; i < 32; i++) {
            JsonNode k = keyslots.get(Integer.toString(i));
            if (k == null) {
                continue;
            }
            String type = text(k.get("type"));
            s.append("  ").append(i).append(": ").append(type).append(isBound(j, i) ? "" : " (unbound)").append('\n');
            if (k.has("key_size")) {
                s.append("\tKey:        ").append(uint32(k.get("key_size")) * 8).append(" bits\n");
            }
            s.append("\tPriority:   ").append(priority(k)).append('\n');
            if (type.equals("luks2")) {
                luks2Keyslot(s, k);
            } else if (type.equals("reencrypt")) {
                reencryptKeyslot(s, k);
            }
            for (Map.Entry<String, JsonNode> d : j.path("digests").properties()) {
                for (JsonNode id : d.getValue().path("keyslots")) {
                    if (Integer.toString(i).equals(text(id))) {
                        s.append("\tDigest ID:  ").append(d.getKey()).append('\n');
                    }
                }
            }
        }
    }

    private static void luks2Keyslot(StringBuilder s, JsonNode k) {
        JsonNode kdf = k.get("kdf");
        JsonNode af = k.get("af");
        JsonNode area = k.get("area");
        if (kdf == null || af == null || area == null) {
            return;
        }
        s.append("\tCipher:     ").append(text(area.get("encryption"))).append('\n');
        s.append("\tCipher key: ").append(uint32(area.get("key_size")) * 8).append(" bits\n");
        String kdfType = text(kdf.get("type"));
        s.append("\tPBKDF:      ").append(kdfType).append('\n');
        if (kdfType.equals("pbkdf2")) {
            s.append("\tHash:       ").append(text(kdf.get("hash"))).append('\n');
            s.append("\tIterations: ").append(number(kdf.get("iterations"))).append('\n');
        } else {
            s.append("\tTime cost:  ").append(number(kdf.get("time"))).append('\n');
            s.append("\tMemory:     ").append(number(kdf.get("memory"))).append('\n');
            s.append("\tThreads:    ").append(number(kdf.get("cpus"))).append('\n');
        }
        s.append("\tSalt:       ");
        hexBase64(s, kdf.get("salt"));
        s.append("\tAF stripes: ").append(number(af.get("stripes"))).append('\n');
        s.append("\tAF hash:    ").append(text(af.get("hash"))).append('\n');
        s.append("\tArea offset:").append(number(area.get("offset"))).append(" [bytes]\n");
        s.append("\tArea length:").append(number(area.get("size"))).append(" [bytes]\n");
    }

    private static void reencryptKeyslot(StringBuilder s, JsonNode k) {
        JsonNode area = k.get("area");
        if (!k.has("direction") || !k.has("mode") || area == null || !area.has("type")) {
            return;
        }
        String resilience = text(area.get("type"));
        s.append(String.format("\t%-12s%s%n", "Mode:", text(k.get("mode"))));
        s.append(String.format("\t%-12s%s%n", "Direction:", text(k.get("direction"))));
        s.append(String.format("\t%-12s%s%n", "Resilience:", resilience));
        if (resilience.equals("checksum")) {
            s.append(String.format("\t%-12s%s%n", "Hash:", text(area.get("hash"))));
            s.append(String.format("\t%-12s%d [bytes]%n", "Hash data:", number(area.get("sector_size"))));
        } else if (resilience.equals("datashift")) {
            s.append(String.format("\t%-12s%d[bytes]%n", "Shift size:", number(area.get("shift_size"))));
        }
        s.append("\tArea offset:").append(number(area.get("offset"))).append(" [bytes]\n");
        s.append("\tArea length:").append(number(area.get("size"))).append(" [bytes]\n");
    }

    private static void tokens(StringBuilder s, JsonNode tokens) {
        s.append("Tokens:\n");
        for (int i = 0; i < 32; i++) {
            JsonNode t = tokens.get(Integer.toString(i));
            if (t == null) {
                continue;
            }
            String type = text(t.get("type"));
            s.append("  ").append(i).append(": ").append(type).append('\n');
            if (type.equals("luks2-keyring") && t.has("key_description")) {
                s.append("\tKey description: ").append(text(t.get("key_description"))).append('\n');
            }
            for (JsonNode k : t.path("keyslots")) {
                s.append("\tKeyslot:    ").append(text(k)).append('\n');
            }
        }
    }

    private static void digests(StringBuilder s, JsonNode digests) {
        s.append("Digests:\n");
        for (int i = 0; i < 32; i++) {
            JsonNode d = digests.get(Integer.toString(i));
            if (d == null) {
                continue;
            }
            String type = text(d.get("type"));
            s.append("  ").append(i).append(": ").append(type).append('\n');
            if (type.equals("pbkdf2")) {
                s.append("\tHash:       ").append(text(d.get("hash"))).append('\n');
                s.append("\tIterations: ").append(number(d.get("iterations"))).append('\n');
                s.append("\tSalt:       ");
                hexBase64(s, d.get("salt"));
                s.append("\tDigest:     ");
                hexBase64(s, d.get("digest"));
            }
        }
    }

    /**
     * cryptsetup's "(unbound)": a keyslot is bound when its digest is the digest of a regular
     * (not backup) segment.
     */
    private static boolean isBound(ObjectNode j, int keyslot) {
        String digest = firstListing(j.path("digests"), "keyslots", Integer.toString(keyslot));
        if (digest == null) {
            return false;
        }
        for (Map.Entry<String, JsonNode> g : j.path("segments").properties()) {
            if (!isBackup(g.getValue()) && digest.equals(firstListing(j.path("digests"), "segments", g.getKey()))) {
                return true;
            }
        }
        return false;
    }

    private static boolean isBackup(JsonNode segment) {
        for (JsonNode f : segment.path("flags")) {
            if (text(f).startsWith("backup-")) {
                return true;
            }
        }
        return false;
    }

    /** The id of the first digest whose {@code list} holds {@code id}, or null. */
    private static String firstListing(JsonNode digests, String list, String id) {
        for (Iterator<Map.Entry<String, JsonNode>> it = digests.properties().iterator(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> d = it.next();
            for (JsonNode e : d.getValue().path(list)) {
                if (id.equals(text(e))) {
                    return d.getKey();
                }
            }
        }
        return null;
    }

    private static String priority(JsonNode k) {
        int p = k.has("priority") ? (int) number(k.get("priority")) : 1;
        return switch (p) {
            case 0 -> "ignored";
            case 1 -> "normal";
            case 2 -> "preferred";
            default -> "invalid";
        };
    }

    /** Bytes of a base64 field, 16 to a line, as cryptsetup's {@code hexprint_base64}; nothing if it does not decode. */
    private static void hexBase64(StringBuilder s, JsonNode field) {
        byte[] b;
        try {
            b = Base64.getDecoder().decode(text(field));
        } catch (IllegalArgumentException e) {
            return;
        }
        for (int i = 0; i < b.length; i++) {
            if (i > 0 && i % 16 == 0) {
                s.append("\n\t            ");
            }
            s.append(String.format("%02x ", b[i]));
        }
        s.append('\n');
    }

    /** A JSON value as json-c's {@code json_object_get_string} shows it ("(null)" when absent). */
    private static String text(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            return "(null)";
        }
        return n.isTextual() ? n.textValue() : n.toString();
    }

    /** A number written as a JSON number or a decimal string; 0 when absent or not a number, as json-c. */
    private static long number(JsonNode n) {
        if (n == null || n.isMissingNode()) {
            return 0;
        }
        if (n.isNumber()) {
            return n.longValue();
        }
        try {
            return Long.parseLong(n.asText().trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static long uint32(JsonNode n) {
        return number(n) & 0xffffffffL;
    }

    private static String orElse(String s, String none) {
        return s.isEmpty() ? none : s;
    }
}
