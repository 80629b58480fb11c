package io.nbdcrypt.nbd.codec;

import io.nbdcrypt.nbd.wire.NbdProtocol;
import io.netty.buffer.ByteBuf;

/**
 * One transmission-phase request as it came off the wire, not yet validated.
 *
 * @param flags          command flags ({@code NbdProtocol.CMD_FLAG_*}), 16 bits
 * @param type           command type ({@code NbdProtocol.CMD_*}), 16 bits
 * @param cookie         opaque handle echoed in the reply
 * @param offset         unsigned 64-bit offset (negative as a Java long means above 2^63)
 * @param length         unsigned 32-bit length
 * @param payload        the write data (a retained slice the receiver must release), or {@code null}
 * @param payloadDropped true when a write's data exceeded the maximum and was skipped unread
 */
public record NbdRequest(int flags, int type, long cookie, long offset, long length, ByteBuf payload,
        boolean payloadDropped) implements PayloadHolder {

    @Override
    public String toString() {
        return NbdProtocol.commandName(type) + "[offset=" + Long.toUnsignedString(offset) + ", length=" + length
                + ", flags=0x" + Integer.toHexString(flags) + ", cookie=0x" + Long.toHexString(cookie) + "]";
    }
}
