package io.nbdcrypt.nbd.codec;

import io.nbdcrypt.nbd.wire.NbdProtocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageEncoder;
import java.util.List;

/**
 * Encodes {@link NbdReply} values. The header goes into a small new buffer; read data is
 * passed on as a second buffer without copying.
 */
@ChannelHandler.Sharable
public final class ReplyEncoder extends MessageToMessageEncoder<NbdReply> {

    public ReplyEncoder() {
        super(NbdReply.class);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, NbdReply msg, List<Object> out) {
        encode(ctx.alloc(), msg, out);
    }

    /**
     * The buffers {@code msg} goes on the wire as: a direct header, then its data retained (the
     * caller still releases {@code msg}). Public for the replies a worker writes to the socket
     * itself, bypassing the pipeline (see the transmission package).
     */
    public static void encode(ByteBufAllocator alloc, NbdReply msg, List<? super ByteBuf> out) {
        switch (msg) {
            case NbdReply.Simple s -> {
                ByteBuf h = alloc.directBuffer(NbdProtocol.SIMPLE_REPLY_HEADER_LENGTH);
                h.writeInt(NbdProtocol.SIMPLE_REPLY_MAGIC).writeInt(s.error()).writeLong(s.cookie());
                out.add(h);
                if (s.data() != null && s.error() == 0) {
                    out.add(s.data().retain());
                }
            }
            case NbdReply.OffsetData d -> {
                ByteBuf h = chunkHeader(alloc, d.cookie(), d.done() ? NbdProtocol.REPLY_FLAG_DONE : 0,
                        NbdProtocol.REPLY_TYPE_OFFSET_DATA, 8 + d.data().readableBytes());
                h.writeLong(d.offset());
                out.add(h);
                out.add(d.data().retain());
            }
            case NbdReply.Error e -> {
                byte[] m = e.messageBytes();
                int len = m.length;
                ByteBuf h = chunkHeader(alloc, e.cookie(), NbdProtocol.REPLY_FLAG_DONE,
                        NbdProtocol.REPLY_TYPE_ERROR, 6 + len);
                h.writeInt(e.error()).writeShort(len).writeBytes(m);
                out.add(h);
            }
            case NbdReply.Done d -> out.add(chunkHeader(alloc, d.cookie(), NbdProtocol.REPLY_FLAG_DONE,
                    NbdProtocol.REPLY_TYPE_NONE, 0));
            case NbdReply.BlockStatus b -> {
                int len = 4 + 8 * b.descriptors().size();
                ByteBuf h = chunkHeader(alloc, b.cookie(), NbdProtocol.REPLY_FLAG_DONE,
                        NbdProtocol.REPLY_TYPE_BLOCK_STATUS, len);
                h.ensureWritable(len).writeInt(b.contextId());
                for (NbdReply.Descriptor d : b.descriptors()) {
                    h.writeInt((int) d.length()).writeInt(d.flags());
                }
                out.add(h);
            }
        }
    }

    private static ByteBuf chunkHeader(ByteBufAllocator alloc, long cookie, int flags, int type, int length) {
        ByteBuf h = alloc.directBuffer(NbdProtocol.STRUCTURED_REPLY_HEADER_LENGTH + 8);
        return h.writeInt(NbdProtocol.STRUCTURED_REPLY_MAGIC)
                .writeShort(flags)
                .writeShort(type)
                .writeLong(cookie)
                .writeInt(length);
    }
}
