package io.nbdcrypt.nbd.codec;

import io.nbdcrypt.nbd.wire.NbdProtocol;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;

/** Encodes {@link HandshakeReply} values into their big-endian wire form. Stateless. */
@ChannelHandler.Sharable
public final class HandshakeEncoder extends MessageToByteEncoder<HandshakeReply> {

    public HandshakeEncoder() {
        super(HandshakeReply.class);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, HandshakeReply msg, ByteBuf out) {
        switch (msg) {
            case HandshakeReply.ServerGreeting g -> out.writeLong(NbdProtocol.NBD_MAGIC)
                    .writeLong(NbdProtocol.IHAVEOPT)
                    .writeShort(g.handshakeFlags());
            case HandshakeReply.OptionReply r -> out.writeLong(NbdProtocol.OPTION_REPLY_MAGIC)
                    .writeInt(r.option())
                    .writeInt(r.type())
                    .writeInt(r.data().length)
                    .writeBytes(r.data());
            case HandshakeReply.ExportNameReply e -> {
                out.writeLong(e.size()).writeShort(e.transmissionFlags());
                if (!e.noZeroes()) {
                    out.writeZero(NbdProtocol.EXPORT_NAME_REPLY_PADDING);
                }
            }
        }
    }
}
