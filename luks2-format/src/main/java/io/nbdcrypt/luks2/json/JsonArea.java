package io.nbdcrypt.luks2.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nbdcrypt.luks.common.LuksFormatException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The JSON area of a LUKS2 header copy: one object starting at its first byte, then only NUL
 * bytes (at least one), as cryptsetup writes and requires.
 *
 * <p>Parsing is bounded: duplicate keys are refused, nesting is limited to
 * {@value #MAX_DEPTH} levels, strings and numbers have length limits, and nothing is read
 * past the area. The tree keeps every field, known or not, in order, so a rewrite leaves
 * what we do not interpret (tokens, unknown config) as it was.
 */
public final class JsonArea {
    /** Deepest nesting accepted; cryptsetup's own metadata is 4 levels deep. */
    public static final int MAX_DEPTH = 32;

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(MAX_DEPTH)
                    .maxNumberLength(40)
                    .maxStringLength(1 << 22)
                    .maxDocumentLength(4L << 20)
                    .build())
            .build();
    private static final ObjectMapper MAPPER = new ObjectMapper(FACTORY);

    private JsonArea() {}

    /** A new empty object node (for building headers). */
    public static ObjectNode newObject() {
        return MAPPER.createObjectNode();
    }

    /**
     * Parses a JSON area.
     *
     * @throws LuksFormatException ({@code json}) if the area does not start with '{', the
     *     object is malformed, has duplicate keys, nests too deep, fills the whole area, or is
     *     followed by anything but NUL bytes
     */
    public static ObjectNode parse(byte[] area) throws LuksFormatException {
        if (area.length == 0 || area[0] != '{') {
            throw new LuksFormatException("json", "JSON area does not start with '{'");
        }
        JsonNode root;
        long end;
        try (JsonParser p = FACTORY.createParser(area, 0, area.length)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new LuksFormatException("json", "JSON area does not hold an object");
            }
            root = MAPPER.readTree(p);
            end = p.currentLocation().getByteOffset();
        } catch (JsonProcessingException e) {
            throw new LuksFormatException("json", "malformed JSON metadata: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new LuksFormatException("json", "unreadable JSON metadata: " + e.getMessage());
        }
        if (!(root instanceof ObjectNode obj)) {
            throw new LuksFormatException("json", "JSON area does not hold an object");
        }
        if (end <= 0 || end >= area.length) {
            throw new LuksFormatException("json", "JSON object fills the whole area (no terminating NUL)");
        }
        for (int i = (int) end; i < area.length; i++) {
            if (area[i] != 0) {
                throw new LuksFormatException("json", "non-NUL byte at " + i + " after the JSON object ends at " + end);
            }
        }
        return obj;
    }

    /** Compact serialization, as cryptsetup writes it (no spaces, slashes not escaped). */
    public static byte[] serialize(ObjectNode root) {
        try {
            return MAPPER.writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("JSON tree could not be written", e);
        }
    }

    /**
     * The area of {@code areaSize} bytes holding {@code root} followed by NULs.
     *
     * @throws LuksFormatException ({@code json}) if the JSON does not fit with its NUL
     */
    public static byte[] encode(ObjectNode root, int areaSize) throws LuksFormatException {
        byte[] json = serialize(root);
        if (json.length >= areaSize) {
            throw new LuksFormatException("json", "metadata of " + json.length + " bytes does not fit the "
                    + areaSize + "-byte JSON area");
        }
        return Arrays.copyOf(json, areaSize);
    }
}
