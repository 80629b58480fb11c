package io.nbdcrypt.xts.vectors;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one loader for the XTS vectors in the {@code testvectors} module: NIST CAVP XTSVS
 * {@code .rsp} files (both tweak formats) and the IEEE 1619-2007 Annex B file.
 *
 * <p>Strict on purpose: an unknown key, a missing field, a COUNT out of sequence or a file
 * with no vectors fails the load, so a truncated or misparsed file cannot pass as "all
 * vectors ran".
 */
public final class XtsVectorLoader {
    private static final String BASE = "/io/nbdcrypt/testvectors/xts/";
    private static final HexFormat HEX = HexFormat.of();

    /** The NIST files: {tweak format}/{file}. */
    public static final List<String> NIST_FILES = List.of(
            "nist/tweak-128hexstr/XTSGenAES128.rsp",
            "nist/tweak-128hexstr/XTSGenAES256.rsp",
            "nist/tweak-dataunitseqno/XTSGenAES128.rsp",
            "nist/tweak-dataunitseqno/XTSGenAES256.rsp");
    public static final String IEEE_FILE = "ieee1619/ieee1619-2007-annex-b.txt";

    private XtsVectorLoader() {}

    /** The raw text of a vector file (for independent counting in tests). */
    public static String text(String relative) {
        try (InputStream in = XtsVectorLoader.class.getResourceAsStream(BASE + relative)) {
            if (in == null) {
                throw new IllegalStateException("test vector file missing from the classpath: " + BASE + relative);
            }
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses a NIST XTSVS .rsp file: [ENCRYPT]/[DECRYPT] sections of COUNT records. */
    public static List<XtsVector> loadNist(String relative) {
        List<XtsVector> out = new ArrayList<>();
        String section = null;
        Map<String, String> rec = null;
        int expectedCount = 1;
        for (String raw : text(relative).split("\n")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("[")) {
                flushNist(relative, section, rec, out);
                rec = null;
                section = line.substring(1, line.length() - 1);
                if (!section.equals("ENCRYPT") && !section.equals("DECRYPT")) {
                    throw new IllegalStateException(relative + ": unknown section " + line);
                }
                expectedCount = 1;
                continue;
            }
            String[] kv = line.split(" = ", 2);
            if (kv.length != 2) {
                throw new IllegalStateException(relative + ": unparsable line '" + line + "'");
            }
            if (kv[0].equals("COUNT")) {
                flushNist(relative, section, rec, out);
                if (Integer.parseInt(kv[1]) != expectedCount++) {
                    throw new IllegalStateException(relative + ": COUNT " + kv[1] + " out of sequence in " + section);
                }
                rec = new LinkedHashMap<>();
            }
            if (rec == null) {
                throw new IllegalStateException(relative + ": field outside a record: " + line);
            }
            rec.put(kv[0], kv[1]);
        }
        flushNist(relative, section, rec, out);
        if (out.isEmpty()) {
            throw new IllegalStateException(relative + ": no vectors found");
        }
        return out;
    }

    private static void flushNist(String file, String section, Map<String, String> r, List<XtsVector> out) {
        if (r == null) {
            return;
        }
        if (section == null) {
            throw new IllegalStateException(file + ": record before any [ENCRYPT]/[DECRYPT] section");
        }
        for (String k : r.keySet()) {
            if (!List.of("COUNT", "DataUnitLen", "Key", "i", "DataUnitSeqNumber", "PT", "CT").contains(k)) {
                throw new IllegalStateException(file + ": unknown field " + k);
            }
        }
        byte[] tweak;
        if (r.containsKey("i")) {
            tweak = hex(file, r, "i");
        } else {
            tweak = littleEndian16(new BigInteger(need(file, r, "DataUnitSeqNumber")));
        }
        int bits = Integer.parseInt(need(file, r, "DataUnitLen"));
        byte[] pt = hex(file, r, "PT");
        byte[] ct = hex(file, r, "CT");
        if (pt.length != (bits + 7) / 8 || ct.length != pt.length || tweak.length != 16) {
            throw new IllegalStateException(file + " " + section + " COUNT " + r.get("COUNT") + ": field lengths disagree");
        }
        out.add(new XtsVector(file, section + " COUNT " + r.get("COUNT"), bits, hex(file, r, "Key"), tweak, pt, ct));
    }

    /** Parses the IEEE 1619 file ([VECTOR n] records, backslash continuations); checks the declared count. */
    public static List<XtsVector> loadIeee() {
        String text = text(IEEE_FILE).replace("\\\n", "");
        List<XtsVector> out = new ArrayList<>();
        int declared = -1;
        Map<String, String> rec = null;
        String name = null;
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("[VECTOR ")) {
                flushIeee(name, rec, out);
                name = line.substring(1, line.length() - 1);
                rec = new LinkedHashMap<>();
                continue;
            }
            String[] kv = line.split(" = ", 2);
            if (kv.length != 2) {
                throw new IllegalStateException(IEEE_FILE + ": unparsable line '" + line + "'");
            }
            if (rec == null) {
                if (!kv[0].equals("Vectors")) {
                    throw new IllegalStateException(IEEE_FILE + ": field outside a record: " + line);
                }
                declared = Integer.parseInt(kv[1]);
                continue;
            }
            rec.put(kv[0], kv[1].replace(" ", ""));
        }
        flushIeee(name, rec, out);
        if (out.isEmpty() || out.size() != declared) {
            throw new IllegalStateException(IEEE_FILE + ": found " + out.size() + " vectors, file declares " + declared);
        }
        return out;
    }

    private static void flushIeee(String name, Map<String, String> r, List<XtsVector> out) {
        if (r == null) {
            return;
        }
        byte[] k1 = hex(IEEE_FILE, r, "Key1");
        byte[] k2 = hex(IEEE_FILE, r, "Key2");
        byte[] key = Arrays.copyOf(k1, k1.length + k2.length);
        System.arraycopy(k2, 0, key, k1.length, k2.length);
        int bits = Integer.parseInt(need(IEEE_FILE, r, "DataUnitLen"));
        byte[] pt = hex(IEEE_FILE, r, "PTX");
        byte[] ct = hex(IEEE_FILE, r, "CTX");
        if (pt.length * 8 != bits || ct.length != pt.length || !need(IEEE_FILE, r, "Cipher").equals("XTS-AES-" + k1.length * 8)) {
            throw new IllegalStateException(IEEE_FILE + " " + name + ": fields disagree");
        }
        out.add(new XtsVector(IEEE_FILE, name, bits, key, hex(IEEE_FILE, r, "Tweak"), pt, ct));
    }

    /** A non-negative integer as 16 little-endian bytes (the data unit sequence number convention). */
    public static byte[] littleEndian16(BigInteger v) {
        byte[] be = v.toByteArray();
        byte[] le = new byte[16];
        for (int i = 0; i < be.length && i < 17; i++) {
            int at = be.length - 1 - i;
            if (i == 16) {
                if (be[at] != 0) {
                    throw new IllegalArgumentException("sequence number wider than 128 bits: " + v);
                }
                break;
            }
            le[i] = be[at];
        }
        return le;
    }

    private static String need(String file, Map<String, String> r, String key) {
        String v = r.get(key);
        if (v == null) {
            throw new IllegalStateException(file + ": record " + r.getOrDefault("COUNT", "?") + " lacks " + key);
        }
        return v;
    }

    private static byte[] hex(String file, Map<String, String> r, String key) {
        return HEX.parseHex(need(file, r, key));
    }
}
