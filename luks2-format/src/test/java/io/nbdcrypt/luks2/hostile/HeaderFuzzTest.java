package io.nbdcrypt.luks2.hostile;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nbdcrypt.luks.common.HeaderLocation;
import io.nbdcrypt.luks.common.LuksException;
import io.nbdcrypt.luks2.Luks2Header;
import io.nbdcrypt.luks2.Luks2HeaderReader;
import io.nbdcrypt.luks2.interop.Cryptsetup;
import io.nbdcrypt.luks2.json.JsonArea;
import io.nbdcrypt.testsupport.TestFiles;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutation fuzzing of the LUKS2 header reader for a bounded time (system property
 * {@code luks.fuzz.seconds}, default 20): bit flips, byte edits in the JSON, structural JSON
 * edits (odd values, deleted and duplicated keys, deep nesting), truncation and binary field
 * edits, with both checksums recomputed half of the time so the JSON validator is reached.
 * Each parse runs under a timeout. The only acceptable outcomes are a valid header or a
 * {@link LuksException}; anything else (other exceptions, errors, hangs) fails with the seed.
 */
class HeaderFuzzTest {
    private static final String[] ODD_VALUES = {"\"cipher_null\"", "\"18446744073709551616\"", "\"-1\"", "\"\"", "null",
        "true", "1e308", "-2147483649", "4294967296", "[]", "{}", "\"dynamic\"", "\"0\"", "[".repeat(20) + "]".repeat(20), "[".repeat(40) + "]".repeat(40),
        "\"9223372036854775807\"", "0", "4000", "\"aes-xts-plain64\"", "\"\\u0000\"", "\"argon2id\"", "65536"};

    @TempDir
    static Path dir;
    static byte[] base;
    static ExecutorService worker;

    @BeforeAll
    static void makeBase() throws Exception {
        Path img = dir.resolve("fuzz.img");
        TestFiles.sparse(img, 4L << 20);
        Path k = Files.write(dir.resolve("k"), "fuzz".getBytes());
        Path k2 = Files.write(dir.resolve("k2"), "fuzz2".getBytes());
        Cryptsetup.format(img, k, List.of("--type", "luks2", "--pbkdf", "argon2id", "--pbkdf-force-iterations", "4",
                "--pbkdf-memory", "1024", "--luks2-keyslots-size", "1m", "--label", "fuzz"));
        Cryptsetup.addKey(img, k, k2, List.of());
        base = Arrays.copyOf(Files.readAllBytes(img), 32768 + (1 << 20));
        worker = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon().name("fuzz-parse").unstarted(r));
    }

    @AfterAll
    static void stop() {
        worker.shutdownNow();
    }

    @Test
    void read_mutatedHeaders_onlyCleanErrors() throws Exception {
        long seconds = Long.getLong("luks.fuzz.seconds", 20);
        long seed0 = Long.getLong("luks.fuzz.seed", System.nanoTime());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        int accepted = 0;
        int refused = 0;
        for (long i = 0; System.nanoTime() < deadline; i++) {
            long seed = seed0 + i;
            MemoryBlockDevice d = new MemoryBlockDevice(base.clone());
            Random rnd = new Random(seed);
            String what = mutate(d, rnd);
            if (rnd.nextBoolean()) {
                fixChecksums(d);
                what += " +checksums";
            }
            Future<Boolean> f = worker.submit(() -> parse(d));
            try {
                boolean ok = f.get(10, TimeUnit.SECONDS);
                if (ok) {
                    accepted++;
                } else {
                    refused++;
                }
            } catch (TimeoutException e) {
                f.cancel(true);
                fail("parse hung (seed " + seed + ", " + what + ")");
            } catch (java.util.concurrent.ExecutionException e) {
                throw new AssertionError("unclean failure (seed " + seed + ", " + what + "): " + e.getCause(), e.getCause());
            }
        }
        System.out.printf("header fuzz: %d accepted, %d refused in %d s (seed %d)%n", accepted, refused, seconds, seed0);
        assertTrue(refused > 0, "the fuzzer never produced a refused header");
    }

    @Test
    void openLuks1_mutatedHeaders_onlyCleanErrors() throws Exception {
        Path img = dir.resolve("l1.img");
        TestFiles.sparse(img, 3L << 20);
        Path k = Files.write(dir.resolve("k1"), "fuzz".getBytes());
        Cryptsetup.format(img, k, List.of("--type", "luks1", "--pbkdf-force-iterations", "1000"));
        byte[] luks1 = Arrays.copyOf(Files.readAllBytes(img), 1 << 20);
        long seed0 = Long.getLong("luks.fuzz.seed", System.nanoTime());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Long.getLong("luks.fuzz.luks1.seconds", 4));
        int refused = 0;
        for (long i = 0; System.nanoTime() < deadline; i++) {
            Random rnd = new Random(seed0 + i);
            MemoryBlockDevice d = new MemoryBlockDevice(luks1.clone());
            int n = 1 + rnd.nextInt(6);
            for (int m = 0; m < n; m++) {
                int at = rnd.nextInt(io.nbdcrypt.luks1.Luks1Header.SIZE);
                d.bytes[at] = rnd.nextBoolean() ? (byte) rnd.nextInt(256) : (byte) (d.bytes[at] ^ (1 << rnd.nextInt(8)));
            }
            try {
                io.nbdcrypt.luks1.Luks1Volume.open(d, HeaderLocation.detachedIf(rnd.nextBoolean()));
            } catch (LuksException e) {
                refused++;
            } catch (RuntimeException e) {
                throw new AssertionError("unclean failure (seed " + (seed0 + i) + "): " + e, e);
            }
        }
        assertTrue(refused > 0, "the fuzzer never produced a refused LUKS1 header");
    }

    /** True if accepted (and then re-encodable), false if refused with a typed error. */
    private static boolean parse(MemoryBlockDevice d) throws Exception {
        try {
            Luks2Header h = Luks2HeaderReader.read(d, HeaderLocation.ON_DATA_DEVICE).header();
            JsonArea.encode(h.json(), (int) h.hdrSize() - 4096);
            return true;
        } catch (LuksException e) {
            if (e.getMessage() == null || e.getMessage().isBlank()) {
                throw new AssertionError("typed error without a message", e);
            }
            return false;
        }
    }

    private static String mutate(MemoryBlockDevice d, Random rnd) throws Exception {
        int hdr = 16384;
        switch (rnd.nextInt(6)) {
            case 0 -> {
                int n = 1 + rnd.nextInt(8);
                for (int k = 0; k < n; k++) {
                    int at = rnd.nextInt(2 * hdr);
                    d.bytes[at] ^= (byte) (1 << rnd.nextInt(8));
                }
                return n + " bit flips";
            }
            case 1 -> {
                int len = jsonLength(d);
                String chars = "{}[]\":,0123456789az\\\u0000 -";
                int n = 1 + rnd.nextInt(4);
                for (int k = 0; k < n; k++) {
                    int at = 4096 + rnd.nextInt(len);
                    d.bytes[at] = (byte) chars.charAt(rnd.nextInt(chars.length()));
                }
                copyPrimaryJsonToSecondary(d);
                return n + " JSON byte edits";
            }
            case 2 -> {
                ObjectNode j = HeaderEditor.json(d, 0);
                String path = editTree(j, rnd);
                String text = HeaderEditor.MAPPER.writeValueAsString(j);
                HeaderEditor.setJsonText(d, text.length() < hdr - 4096 ? text : text.substring(0, hdr - 4096));
                return "JSON tree edit at " + path;
            }
            case 3 -> {
                String text = HeaderEditor.MAPPER.writeValueAsString(HeaderEditor.json(d, 0));
                int cut = rnd.nextInt(text.length());
                String[] inserts = {"", "}", "]", ",\"x\":1}", "[".repeat(5000), "{\"a\":".repeat(40)};
                String t = text.substring(0, cut) + inserts[rnd.nextInt(inserts.length)] + text.substring(rnd.nextInt(text.length()));
                HeaderEditor.setJsonText(d, t.length() < hdr - 4096 ? t : t.substring(0, hdr - 4096));
                return "JSON splice at " + cut;
            }
            case 4 -> {
                int[] fields = {6, 8, 16, 256};
                int field = fields[rnd.nextInt(fields.length)];
                long v = switch (rnd.nextInt(4)) {
                    case 0 -> rnd.nextLong();
                    case 1 -> 1L << rnd.nextInt(63);
                    case 2 -> -1L;
                    default -> rnd.nextInt(1 << 23);
                };
                ByteBuffer.wrap(d.bytes).putLong(field, v);
                return "binary field " + field + " = " + v;
            }
            default -> {
                int at = rnd.nextInt(2 * hdr);
                int n = 1 + rnd.nextInt(64);
                for (int k = 0; k < n && at + k < d.bytes.length; k++) {
                    d.bytes[at + k] = (byte) rnd.nextInt(256);
                }
                return n + " random bytes at " + at;
            }
        }
    }

    /** Replaces a random value in the tree (or deletes/duplicates a key); returns its path. */
    private static String editTree(ObjectNode root, Random rnd) throws Exception {
        List<String> paths = new ArrayList<>();
        List<JsonNode> parents = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        collect(root, "", paths, parents, keys);
        int pick = rnd.nextInt(paths.size());
        JsonNode parent = parents.get(pick);
        String key = keys.get(pick);
        JsonNode odd = HeaderEditor.MAPPER.readTree(ODD_VALUES[rnd.nextInt(ODD_VALUES.length)]);
        if (parent instanceof ObjectNode o) {
            switch (rnd.nextInt(3)) {
                case 0 -> o.remove(key);
                case 1 -> o.set(key + (rnd.nextBoolean() ? "" : "x"), odd);
                default -> o.set(Integer.toString(rnd.nextInt(40)), o.get(key) == null ? odd : o.get(key).deepCopy());
            }
        } else if (parent instanceof ArrayNode a) {
            a.set(Integer.parseInt(key), odd);
        }
        return paths.get(pick);
    }

    private static void collect(JsonNode n, String path, List<String> paths, List<JsonNode> parents, List<String> keys) {
        if (n instanceof ObjectNode o) {
            for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                paths.add(path + "." + e.getKey());
                parents.add(o);
                keys.add(e.getKey());
                collect(e.getValue(), path + "." + e.getKey(), paths, parents, keys);
            }
        } else if (n instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                paths.add(path + "[" + i + "]");
                parents.add(a);
                keys.add(Integer.toString(i));
                collect(a.get(i), path + "[" + i + "]", paths, parents, keys);
            }
        }
    }

    private static int jsonLength(MemoryBlockDevice d) {
        int n = 0;
        while (d.bytes[4096 + n] != 0) {
            n++;
        }
        return n;
    }

    private static void copyPrimaryJsonToSecondary(MemoryBlockDevice d) {
        System.arraycopy(d.bytes, 4096, d.bytes, 16384 + 4096, 16384 - 4096);
    }

    private static void fixChecksums(MemoryBlockDevice d) {
        long h = HeaderEditor.hdrSize(d);
        if (h < 4096 || h > 65536) {
            return; // a hdr_size the reader refuses before any checksum; nothing to recompute
        }
        for (long off : new long[] {0, 16384}) {
            try {
                HeaderEditor.fixChecksum(d, off);
            } catch (Exception | AssertionError ignored) {
                // binary header no longer decodable (or a size past the device): leave it
            }
        }
    }

    static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
