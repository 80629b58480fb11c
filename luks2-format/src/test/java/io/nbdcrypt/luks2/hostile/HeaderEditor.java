package io.nbdcrypt.luks2.hostile;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nbdcrypt.crypto.kdf.HashAlgorithm;
import io.nbdcrypt.luks.common.LuksFormatException;
import io.nbdcrypt.luks2.disk.BinaryHeader;
import io.nbdcrypt.luks2.disk.Checksum;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Edits LUKS2 header copies in memory the way a hostile host would: change the JSON or the
 * binary fields, then (optionally) recompute the checksums so that only the rule under test
 * can catch the change. Like cryptsetup's {@code tests/generators}, both copies are edited
 * unless a case says otherwise.
 */
final class HeaderEditor {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private HeaderEditor() {}

    static long hdrSize(MemoryBlockDevice d) {
        return ByteBuffer.wrap(d.bytes).getLong(8);
    }

    /** The JSON of the copy at {@code offset}, parsed leniently (the test's own parser, not ours). */
    static ObjectNode json(MemoryBlockDevice d, long offset) throws Exception {
        byte[] area = area(d, offset);
        int end = 0;
        while (end < area.length && area[end] != 0) {
            end++;
        }
        return (ObjectNode) MAPPER.readTree(new String(area, 0, end, StandardCharsets.UTF_8));
    }

    static byte[] area(MemoryBlockDevice d, long offset) {
        return Arrays.copyOfRange(d.bytes, (int) offset + 4096, (int) (offset + hdrSize(d)));
    }

    /** Replaces the JSON of both copies with {@code json} and fixes both checksums. */
    static void setJson(MemoryBlockDevice d, ObjectNode json) throws Exception {
        setJsonText(d, MAPPER.writeValueAsString(json));
    }

    static void setJsonText(MemoryBlockDevice d, String json) throws Exception {
        byte[] raw = json.getBytes(StandardCharsets.UTF_8);
        byte[] area = new byte[(int) hdrSize(d) - 4096];
        System.arraycopy(raw, 0, area, 0, Math.min(raw.length, area.length));
        setArea(d, area);
    }

    /** Writes {@code area} as the JSON area of both copies and fixes both checksums. */
    static void setArea(MemoryBlockDevice d, byte[] area) throws Exception {
        long h = hdrSize(d);
        for (long off : new long[] {0, h}) {
            System.arraycopy(area, 0, d.bytes, (int) off + 4096, area.length);
            fixChecksum(d, off);
        }
    }

    /** Recomputes the checksum of the copy at {@code offset} over what is there now. */
    static void fixChecksum(MemoryBlockDevice d, long offset) throws LuksFormatException {
        byte[] block = Arrays.copyOfRange(d.bytes, (int) offset, (int) offset + 4096);
        BinaryHeader b = BinaryHeader.decode(block);
        byte[] sum = Checksum.compute(HashAlgorithm.byName(b.checksumAlg()), b, area(d, offset));
        Arrays.fill(d.bytes, (int) offset + 448, (int) offset + 512, (byte) 0);
        System.arraycopy(sum, 0, d.bytes, (int) offset + 448, sum.length);
    }

    /** Sets a 64-bit big-endian binary field at {@code field} offset in both copies, checksums fixed. */
    static void setBinaryLong(MemoryBlockDevice d, int field, long value) throws Exception {
        long h = hdrSize(d);
        for (long off : new long[] {0, h}) {
            ByteBuffer.wrap(d.bytes).putLong((int) off + field, value);
        }
        for (long off : new long[] {0, h}) {
            try {
                fixChecksum(d, off);
            } catch (LuksFormatException ignored) {
                // a field the binary decoder itself refuses; the reader will say so
            }
        }
    }
}
