package io.nbdcrypt.nbd.transmission;

import static io.nbdcrypt.nbd.wire.NbdProtocol.STATE_HOLE;
import static io.nbdcrypt.nbd.wire.NbdProtocol.STATE_ZERO;

import io.nbdcrypt.block.AuthenticationFailedException;
import io.nbdcrypt.block.BlockDevice;
import io.nbdcrypt.block.Extent;
import io.nbdcrypt.nbd.backend.Export;
import io.nbdcrypt.nbd.codec.NbdReply;
import io.nbdcrypt.nbd.codec.NbdRequest;
import io.nbdcrypt.nbd.wire.CommandFlag;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs one validated request against the export's device and builds its reply. Blocking (disk
 * I/O and crypto): called on a worker thread, never on an event loop. Always releases the
 * request's payload.
 */
final class CommandExecutor {
    private static final Logger LOG = Logger.getLogger(CommandExecutor.class.getName());
    /** Descriptors in one block status reply: 1 MiB of reply, as qemu-nbd sends at most. */
    static final int MAX_DESCRIPTORS = 1 << 17;
    /** Larger reads use direct memory: a few of them would take much of the daemon's small heap. */
    static final int MAX_HEAP_READ = 1 << 20;

    /** Descriptors that fit one reply: its variable part (4 + 8 each) may not exceed the maximum payload. */
    static int maxDescriptors(int maxPayload) {
        return Math.max(1, Math.min(MAX_DESCRIPTORS, (maxPayload - 4) / 8));
    }

    private final Export export;
    private final BlockDevice device;
    private final boolean structured;
    private final int maxPayload;
    private final ByteBufAllocator alloc;
    private final boolean workersWriteLargeReads;

    CommandExecutor(Export export, boolean structuredReplies, ByteBufAllocator alloc) {
        this(export, Negotiated.replies(structuredReplies), FlowLimits.DEFAULT_MAX_PAYLOAD, alloc, false);
    }

    /**
     * @param maxPayload             the advertised maximum payload, which bounds a block status reply too
     * @param workersWriteLargeReads the {@link ReplyWriter} writes large read replies from the
     *                               worker (so they may live in a heap buffer; see {@link #read})
     */
    CommandExecutor(Export export, Negotiated negotiated, int maxPayload, ByteBufAllocator alloc,
            boolean workersWriteLargeReads) {
        this.export = export;
        this.device = export.device();
        this.structured = negotiated.structuredReplies();
        this.maxPayload = maxPayload;
        this.alloc = alloc;
        this.workersWriteLargeReads = workersWriteLargeReads;
    }

    NbdReply execute(NbdRequest r) {
        try {
            return switch (r.type()) {
                case READ -> read(r);
                case WRITE -> {
                    // The payload is released right after: the device may encrypt it in place.
                    device.writeConsuming(r.offset(), nioView(r.payload()));
                    yield afterWrite(r);
                }
                case FLUSH -> {
                    device.flush();
                    yield success(r);
                }
                case TRIM -> {
                    device.trim(r.offset(), r.length());
                    yield afterWrite(r);
                }
                case WRITE_ZEROES -> {
                    boolean mayTrim = export.allowDiscards() && !r.has(CommandFlag.NO_HOLE);
                    device.writeZeroes(r.offset(), r.length(), mayTrim);
                    yield afterWrite(r);
                }
                case BLOCK_STATUS -> blockStatus(r);
                case DISC, CACHE, RESIZE ->
                        throw new IllegalArgumentException(r.type() + " is not executed here");
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
        return structured ? new NbdReply.Error(cookie, err.errno().code(), err.message())
                : new NbdReply.Simple(cookie, err.errno().code(), null);
    }

    /**
     * Reads into the buffer the reply is sent from, decrypting it there. A large read its worker
     * will write to the socket itself ({@link ReplyWriter}), up to 1 MiB, uses a pooled heap buffer: the file
     * reads into the array, the cipher works on the array in place, and the socket write takes
     * the array, so the bytes are copied only by the kernel. Any other read uses a direct buffer,
     * because Netty's epoll transport would copy a heap buffer into a direct one on the event
     * loop; the cipher then goes through its L1-sized bounce array.
     */
    private NbdReply read(NbdRequest r) throws IOException {
        int len = (int) r.length();
        boolean onHeap = workersWriteLargeReads && len >= ReplyWriter.DIRECT_MIN_BYTES && len <= MAX_HEAP_READ;
        ByteBuf buf = onHeap ? alloc.heapBuffer(len, len) : alloc.directBuffer(len, len);
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

    /**
     * {@code base:allocation} for the requested range, from the device's extents: a hole reads
     * as zeroes (HOLE | ZERO), the rest is data (0). At most one descriptor with REQ_ONE, at
     * most {@link #maxDescriptors} otherwise (the client asks again from where we stopped); never
     * past the request, so every descriptor fits the request's 32-bit length.
     */
    private NbdReply blockStatus(NbdRequest r) throws IOException {
        int max = r.has(CommandFlag.REQ_ONE) ? 1 : maxDescriptors(maxPayload);
        List<NbdReply.Descriptor> descriptors = new ArrayList<>();
        for (Extent e : device.extents(r.offset(), r.length(), max)) {
            descriptors.add(new NbdReply.Descriptor(e.length(), e.hole() ? STATE_HOLE | STATE_ZERO : 0));
        }
        if (descriptors.isEmpty()) {
            descriptors.add(new NbdReply.Descriptor(r.length(), 0));   // a device that could not tell: data
        }
        return new NbdReply.BlockStatus(r.cookie(), MetaContext.BASE_ALLOCATION.id(), descriptors);
    }

    /** FUA: the data must be durable before the reply goes out. */
    private NbdReply afterWrite(NbdRequest r) throws IOException {
        if (r.has(CommandFlag.FUA)) {
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
