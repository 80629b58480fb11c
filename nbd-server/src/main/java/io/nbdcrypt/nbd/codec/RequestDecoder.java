package io.nbdcrypt.nbd.codec;

import io.nbdcrypt.nbd.wire.CommandFlags;
import io.nbdcrypt.nbd.wire.CommandType;
import io.nbdcrypt.nbd.wire.NbdProtocol;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Decodes transmission-phase requests into {@link RequestMessage}s: a 28-byte header, then for
 * {@code NBD_CMD_WRITE} the payload. The type field becomes a {@link CommandType} and the flags
 * a {@link CommandFlags} value here, at the edge; a type the spec does not define becomes an
 * {@link UnknownCommand} (never with a payload).
 *
 * <p>An explicit state machine. A write payload up to {@code maxPayload} bytes is collected into
 * one buffer of its exact size (released by the receiver, or here if the channel closes first); a larger one is never buffered: the request is emitted at once with
 * {@code payloadDropped} set (so the handler can answer with an error) and the payload bytes
 * are skipped as they arrive, keeping the stream framed. After a bad magic the decoder emits
 * {@link BadRequestMagic} once and discards all further input.
 */
public final class RequestDecoder extends ByteToMessageDecoder {
    private enum State { HEADER, PAYLOAD, SKIP_PAYLOAD, FAILED }

    private final int maxPayload;
    private final boolean heapPayloads;
    private State state = State.HEADER;
    private CommandFlags flags;
    private CommandType type;
    private long cookie;
    private long offset;
    private long length;
    private long skipRemaining;
    private ByteBuf payload;

    public RequestDecoder(int maxPayload) {
        this(maxPayload, false);
    }

    /**
     * @param heapPayloads collect write payloads in heap buffers (for a device that encrypts
     *                     them in place) rather than direct ones (for one that passes them to the kernel)
     */
    public RequestDecoder(int maxPayload, boolean heapPayloads) {
        this.maxPayload = maxPayload;
        this.heapPayloads = heapPayloads;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        switch (state) {
            case HEADER -> decodeHeader(in, out);
            case PAYLOAD -> {
                // Copy into one buffer of the final size as bytes arrive: growing the
                // decoder's cumulation instead would copy a large payload several times.
                if (payload == null) {
                    payload = heapPayloads ? ctx.alloc().heapBuffer((int) length, (int) length)
                            : ctx.alloc().directBuffer((int) length, (int) length);
                }
                payload.writeBytes(in, Math.min(in.readableBytes(), payload.writableBytes()));
                if (!payload.isWritable()) {
                    out.add(new NbdRequest(flags, type, cookie, offset, length, payload, false));
                    payload = null;
                    state = State.HEADER;
                }
            }
            case SKIP_PAYLOAD -> {
                int n = (int) Math.min(skipRemaining, in.readableBytes());
                in.skipBytes(n);
                skipRemaining -= n;
                if (skipRemaining == 0) {
                    state = State.HEADER;
                }
            }
            case FAILED -> in.skipBytes(in.readableBytes());
        }
    }

    /** A payload still being received when the channel closes is released here. */
    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        if (payload != null) {
            payload.release();
            payload = null;
        }
    }

    private void decodeHeader(ByteBuf in, List<Object> out) {
        if (in.readableBytes() < NbdProtocol.REQUEST_HEADER_LENGTH) {
            return;
        }
        int magic = in.readInt();
        if (magic != NbdProtocol.REQUEST_MAGIC) {
            state = State.FAILED;
            in.skipBytes(in.readableBytes());
            out.add(new BadRequestMagic(magic));
            return;
        }
        flags = new CommandFlags(in.readUnsignedShort());
        int typeCode = in.readUnsignedShort();
        cookie = in.readLong();
        offset = in.readLong();
        length = in.readUnsignedInt();
        type = CommandType.of(typeCode).orElse(null);
        if (type == null) {
            out.add(new UnknownCommand(flags, typeCode, cookie, offset, length));
        } else if (!type.hasPayload() || length == 0) {
            out.add(new NbdRequest(flags, type, cookie, offset, length, null, false));
        } else if (length > maxPayload) {
            out.add(new NbdRequest(flags, type, cookie, offset, length, null, true));
            skipRemaining = length;
            state = State.SKIP_PAYLOAD;
        } else {
            state = State.PAYLOAD;
        }
    }
}
