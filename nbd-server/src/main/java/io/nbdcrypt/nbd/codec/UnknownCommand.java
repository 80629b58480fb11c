package io.nbdcrypt.nbd.codec;

import io.nbdcrypt.nbd.wire.CommandFlags;

/**
 * A well-framed request header whose type the spec does not define. It carries no payload
 * (only {@code NBD_CMD_WRITE} does), so the stream stays framed and the request can be
 * refused with {@code EINVAL} like any other.
 *
 * @param flags the 16-bit flags field as sent
 * @param type  the 16-bit type field as sent
 */
public record UnknownCommand(CommandFlags flags, int type, long cookie, long offset, long length)
        implements RequestMessage {

    @Override
    public String toString() {
        return "command " + type + "[offset=" + Long.toUnsignedString(offset) + ", length=" + length
                + ", flags=" + flags + ", cookie=0x" + Long.toHexString(cookie) + "]";
    }
}
