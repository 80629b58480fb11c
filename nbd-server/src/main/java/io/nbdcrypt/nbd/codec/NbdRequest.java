package io.nbdcrypt.nbd.codec;

import io.nbdcrypt.nbd.wire.CommandFlag;
import io.nbdcrypt.nbd.wire.CommandFlags;
import io.nbdcrypt.nbd.wire.CommandType;
import io.netty.buffer.ByteBuf;

/**
 * One transmission-phase request of a type the spec defines, as it came off the wire, not yet
 * validated (its flags may still be ones the command does not take).
 *
 * @param flags          the 16-bit command flags, unknown bits included
 * @param type           the command
 * @param cookie         opaque handle echoed in the reply
 * @param offset         unsigned 64-bit offset (negative as a Java long means above 2^63)
 * @param length         unsigned 32-bit length
 * @param payload        the write data (a retained slice the receiver must release), or {@code null}
 * @param payloadDropped true when a write's data exceeded the maximum and was skipped unread
 */
public record NbdRequest(CommandFlags flags, CommandType type, long cookie, long offset, long length, ByteBuf payload,
        boolean payloadDropped) implements RequestMessage, PayloadHolder {

    /** Whether {@code flag} was set. */
    public boolean has(CommandFlag flag) {
        return flags.has(flag);
    }

    @Override
    public String toString() {
        return type + "[offset=" + Long.toUnsignedString(offset) + ", length=" + length
                + ", flags=" + flags + ", cookie=0x" + Long.toHexString(cookie) + "]";
    }
}
