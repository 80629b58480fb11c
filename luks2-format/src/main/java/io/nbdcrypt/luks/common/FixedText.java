package io.nbdcrypt.luks.common;

import io.nbdcrypt.luks.common.LuksFormatException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The fixed-size, NUL-terminated ASCII fields of LUKS1 and LUKS2 binary headers (label,
 * cipher name, uuid ...), read strictly: printable ASCII up to a NUL that must be there.
 */
public final class FixedText {
    private FixedText() {}

    /**
     * Reads a {@code len}-byte field at the buffer's position (advancing it).
     *
     * @throws LuksFormatException naming {@code field} if a byte is not printable or there is no NUL
     */
    public static String read(ByteBuffer b, int len, String field) throws LuksFormatException {
        byte[] raw = new byte[len];
        b.get(raw);
        int end = 0;
        while (end < len && raw[end] != 0) {
            if (raw[end] < 0x20 || raw[end] > 0x7e) {
                throw new LuksFormatException(field, "contains a byte that is not printable ASCII");
            }
            end++;
        }
        if (end == len) {
            throw new LuksFormatException(field, "is not NUL-terminated within its " + len + " bytes");
        }
        return new String(raw, 0, end, StandardCharsets.US_ASCII);
    }
}
