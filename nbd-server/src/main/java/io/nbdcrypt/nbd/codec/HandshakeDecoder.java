package io.nbdcrypt.nbd.codec;

import io.nbdcrypt.nbd.wire.NbdProtocol;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Decodes the client side of fixed newstyle negotiation: the 32-bit client flags, then
 * option requests ({@code IHAVEOPT, option u32, length u32, data}).
 *
 * <p>An explicit state machine. Option data longer than {@code maxOptionLength} is never
 * buffered: it is skipped in whatever chunks arrive and reported as {@link
 * HandshakeMessage.OptionTooLarge}. After a bad magic the decoder discards all further input
 * and emits {@link HandshakeMessage.BadOptionMagic} once; the handler is expected to close.
 * The handshake handler replaces this decoder when transmission starts; bytes already
 * received are then handed to the next decoder by {@link ByteToMessageDecoder}.
 */
public final class HandshakeDecoder extends ByteToMessageDecoder {
    /** Option header: IHAVEOPT(8) option(4) length(4). */
    private static final int OPTION_HEADER_LENGTH = 16;

    private enum State { CLIENT_FLAGS, OPTION_HEADER, OPTION_DATA, SKIP_OPTION_DATA, FAILED }

    private final int maxOptionLength;
    private State state = State.CLIENT_FLAGS;
    private int option;
    private long remaining;

    public HandshakeDecoder(int maxOptionLength) {
        this.maxOptionLength = maxOptionLength;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        switch (state) {
            case CLIENT_FLAGS -> {
                if (in.readableBytes() >= 4) {
                    out.add(new HandshakeMessage.ClientFlags(in.readInt()));
                    state = State.OPTION_HEADER;
                }
            }
            case OPTION_HEADER -> decodeHeader(in, out);
            case OPTION_DATA -> {
                if (in.readableBytes() >= remaining) {
                    byte[] data = new byte[(int) remaining];
                    in.readBytes(data);
                    out.add(new HandshakeMessage.OptionRequest(option, data));
                    state = State.OPTION_HEADER;
                }
            }
            case SKIP_OPTION_DATA -> {
                int n = (int) Math.min(remaining, in.readableBytes());
                in.skipBytes(n);
                remaining -= n;
                if (remaining == 0) {
                    state = State.OPTION_HEADER;
                }
            }
            case FAILED -> in.skipBytes(in.readableBytes());
        }
    }

    private void decodeHeader(ByteBuf in, List<Object> out) {
        if (in.readableBytes() < OPTION_HEADER_LENGTH) {
            return;
        }
        long magic = in.readLong();
        if (magic != NbdProtocol.IHAVEOPT) {
            state = State.FAILED;
            in.skipBytes(in.readableBytes());
            out.add(new HandshakeMessage.BadOptionMagic(magic));
            return;
        }
        option = in.readInt();
        remaining = in.readUnsignedInt();
        if (remaining > maxOptionLength) {
            out.add(new HandshakeMessage.OptionTooLarge(option, remaining));
            state = State.SKIP_OPTION_DATA;
        } else if (remaining == 0) {
            // No data: emit now, there may be no further bytes to trigger another decode.
            out.add(new HandshakeMessage.OptionRequest(option, new byte[0]));
        } else {
            state = State.OPTION_DATA;
        }
    }
}
