package io.nbdcrypt.nbd.handshake;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The data of NBD_OPT_INFO / NBD_OPT_GO: name length (u32), name, number of information
 * requests (u16), then that many u16 information types. Pure parsing.
 */
record InfoRequest(String exportName, int[] infoTypes) {

    /** @throws IllegalArgumentException naming the field that does not fit the option length */
    static InfoRequest parse(byte[] data) {
        ByteBuffer b = ByteBuffer.wrap(data);
        if (b.remaining() < 4) {
            throw new IllegalArgumentException("option data is " + data.length + " bytes, too short for the name length");
        }
        long nameLength = Integer.toUnsignedLong(b.getInt());
        if (nameLength > b.remaining() - 2L) {
            throw new IllegalArgumentException("name length " + nameLength + " does not fit the "
                    + data.length + "-byte option");
        }
        byte[] name = new byte[(int) nameLength];
        b.get(name);
        int count = Short.toUnsignedInt(b.getShort());
        if (b.remaining() != count * 2) {
            throw new IllegalArgumentException(count + " information requests need " + count * 2
                    + " bytes but " + b.remaining() + " remain");
        }
        int[] types = new int[count];
        for (int i = 0; i < count; i++) {
            types[i] = Short.toUnsignedInt(b.getShort());
        }
        return new InfoRequest(decodeName(name), types);
    }

    /** Export names are UTF-8 (spec); malformed names are refused rather than mangled. */
    static String decodeName(byte[] name) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(name)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("export name is not valid UTF-8");
        }
    }

    boolean asks(int type) {
        for (int t : infoTypes) {
            if (t == type) {
                return true;
            }
        }
        return false;
    }
}
