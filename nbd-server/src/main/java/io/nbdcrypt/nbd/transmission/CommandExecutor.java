package io.nbdcrypt.nbd.transmission;

import static io.nbdcrypt.nbd.wire.NbdProtocol.*;

import io.nbdcrypt.block.AuthenticationFailedException;
import io.nbdcrypt.block.BlockDevice;
import io.nbdcrypt.nbd.backend.Export;
import io.nbdcrypt.nbd.codec.NbdReply;
import io.nbdcrypt.nbd.codec.NbdRequest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs one validated request against the export's device and builds its reply. Blocking (disk
 * I/O and crypto): called on a worker thread, never on an event loop. Always releases the
 * request's payload.
 */
final class CommandExecutor {
    private static final Logger LOG = Logger.getLogger(CommandExecutor.class.getName());

    private final Export export;
    private final BlockDevice device;
    private final boolean structured;
    private final ByteBufAllocator alloc;

    CommandExecutor(Export export, boolean structuredReplies, ByteBufAllocator alloc) {
        this.export = export;
        this.device = export.device();
        this.structured = structuredReplies;
        this.alloc = alloc;
    }

    NbdReply execute(NbdRequest r) {
        try {
            return switch (r.type()) {
                case CMD_READ -> read(r);
                case CMD_WRITE -> {
                    // The payload is released right after: the device may encrypt it in place.
                    device.writeConsuming(r.offset(), nioView(r.payload()));
                    yield afterWrite(r);
                }
                case CMD_FLUSH -> {
                    device.flush();
                    yield success(r);
                }
                case CMD_TRIM -> {
                    device.trim(r.offset(), r.length());
                    yield afterWrite(r);
                }
                case CMD_WRITE_ZEROES -> {
                    boolean mayTrim = export.allowDiscards() && (r.flags() & CMD_FLAG_NO_HOLE) == 0;
                    device.writeZeroes(r.offset(), r.length(), mayTrim);
                    yield afterWrite(r);
                }
                default -> throw new IllegalArgumentException("unexpected command after validation");
            };
        } catch (Exception | Error e) {
            // Errors too (an AssertionError from the device layer, a StackOverflowError): a request
            // that escapes without a reply would hold its in-flight slot until the connection dies.
            NbdError err = ErrnoMapper.map(e, r);
            // Authentication failures answer hostile storage: the device logs them, once per
            // sector and rate-limited, so a host cannot flood the log through us.
            LOG.log(e instanceof AuthenticationFailedException ? Level.FINE : Level.WARNING, err.message(), e);
            return errorReply(r.cookie(), err, structured);
        } finally {
            r.release();
        }
    }

    /** The reply for a request refused by the validator (or the server), simple or structured as negotiated. */
    static NbdReply errorReply(long cookie, NbdError err, boolean structured) {
        return structured ? new NbdReply.Error(cookie, err.errno(), err.message())
                : new NbdReply.Simple(cookie, err.errno(), null);
    }

    private NbdReply read(NbdRequest r) throws IOException {
        int len = (int) r.length();
        ByteBuf buf = alloc.directBuffer(len, len);
        try {
            device.read(r.offset(), buf.nioBuffer(0, len));
            buf.writerIndex(len);
        } catch (IOException | RuntimeException | Error e) {
            buf.release();
            throw e;
        }
        return structured ? new NbdReply.OffsetData(r.cookie(), r.offset(), buf, true)
                : new NbdReply.Simple(r.cookie(), 0, buf);
    }

    /** FUA: the data must be durable before the reply goes out. */
    private NbdReply afterWrite(NbdRequest r) throws IOException {
        if ((r.flags() & CMD_FLAG_FUA) != 0) {
            device.flush();
        }
        return success(r);
    }

    private NbdReply success(NbdRequest r) {
        return structured ? new NbdReply.Done(r.cookie()) : new NbdReply.Simple(r.cookie(), 0, null);
    }

    private static ByteBuffer nioView(ByteBuf b) {
        return b.nioBufferCount() == 1 ? b.nioBuffer() : ByteBuffer.wrap(io.netty.buffer.ByteBufUtil.getBytes(b));
    }
}
