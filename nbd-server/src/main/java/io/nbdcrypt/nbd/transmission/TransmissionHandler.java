package io.nbdcrypt.nbd.transmission;

import io.nbdcrypt.nbd.backend.Export;
import io.nbdcrypt.nbd.codec.BadRequestMagic;
import io.nbdcrypt.nbd.codec.NbdReply;
import io.nbdcrypt.nbd.codec.NbdRequest;
import io.nbdcrypt.nbd.wire.NbdProtocol;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Serves the transmission phase of one connection: validates each request at the edge, runs it
 * on the shared worker pool (crypto and disk I/O never block the event loop), and writes replies
 * in completion order (the cookie matches them to requests).
 *
 * <p>Bounded buffering. A request is admitted while fewer than {@code maxInFlight} are in
 * flight and the held bytes are below the high-water mark; it is then charged its payload
 * (writes) or reply size (reads) until its reply has been written to the socket. A request that
 * cannot be admitted waits in a queue, and the connection stops reading (auto-read off) until
 * the queue is empty and the held bytes fell below the low-water mark. So the server holds at
 * most high-water + one maximum payload + one socket read per connection, and a client that
 * never reads its replies stalls only itself.
 *
 * <p>All fields are confined to the channel's event loop; workers hand results back with
 * {@code eventLoop().execute}.
 *
 * <p>{@code NBD_CMD_DISC} or a bad request magic: stop reading, finish and answer everything
 * already received, then close. {@link #shutdown} does the same for a server shutdown.
 */
public final class TransmissionHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = Logger.getLogger(TransmissionHandler.class.getName());

    private final Export export;
    private final boolean structured;
    private final Executor workers;
    private final FlowLimits limits;
    private final NbdMetrics metrics;
    private final ArrayDeque<NbdRequest> queued = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private CommandExecutor executor;
    private int inFlight;
    private long heldBytes;
    private boolean paused;
    private boolean closing;
    private boolean flushScheduled;

    public TransmissionHandler(Export export, boolean structuredReplies, Executor workers, FlowLimits limits,
            NbdMetrics metrics) {
        this.export = export;
        this.structured = structuredReplies;
        this.workers = workers;
        this.limits = limits;
        this.metrics = metrics;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.executor = new CommandExecutor(export, structured, ctx.alloc());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        switch (msg) {
            case NbdRequest r -> onRequest(r);
            case BadRequestMagic m -> {
                metrics.protocolError();
                LOG.warning(() -> ctx.channel() + ": bad request magic 0x" + Integer.toHexString(m.magic())
                        + "; finishing in-flight requests and closing");
                beginClose();
            }
            default -> {
                ReferenceCountUtil.release(msg);
                throw new IllegalStateException("unexpected message " + msg.getClass().getName());
            }
        }
    }

    private void onRequest(NbdRequest r) {
        if (closing) {
            // Nothing may follow NBD_CMD_DISC; after a shutdown began, requests are refused.
            r.release();
            return;
        }
        if (r.type() == NbdProtocol.CMD_DISC) {
            beginClose();
            return;
        }
        metrics.requests.increment();
        queued.add(r);
        pump();
    }

    /** Starts queued requests while there is room, then decides whether to keep reading. */
    private void pump() {
        while (!queued.isEmpty() && inFlight < limits.maxInFlight() && heldBytes < limits.highWaterBytes()) {
            start(queued.poll());
        }
        NbdMetrics.raiseTo(metrics.maxInFlight, inFlight);
        NbdMetrics.raiseTo(metrics.maxOutstandingBytes, heldBytes);
        updateReading();
        if (closing && inFlight == 0 && queued.isEmpty()) {
            ctx.flush();
            ctx.close();
        }
    }

    private void start(NbdRequest r) {
        long charge = cost(r);
        inFlight++;
        heldBytes += charge;
        NbdError invalid = RequestValidator.validate(r, export, limits.maxPayload());
        if (invalid != null) {
            r.release();
            LOG.fine(invalid::message);
            reply(CommandExecutor.errorReply(r.cookie(), invalid, structured), charge);
            return;
        }
        try {
            workers.execute(() -> {
                NbdReply reply = executor.execute(r);
                try {
                    ctx.channel().eventLoop().execute(() -> reply(reply, charge));
                } catch (RejectedExecutionException loopGone) {
                    reply.release();   // the server is being torn down; nobody to answer
                }
            });
        } catch (RejectedExecutionException e) {
            r.release();
            reply(CommandExecutor.errorReply(r.cookie(), ErrnoMapper.map(e, r), structured), charge);
        }
    }

    /** Writes a reply; its charge and in-flight slot are returned once the bytes left for the socket. */
    private void reply(NbdReply reply, long charge) {
        if (isError(reply)) {
            metrics.errorReplies.increment();
        }
        ctx.write(reply).addListener(f -> {
            inFlight--;
            heldBytes -= charge;
            if (!f.isSuccess() && ctx.channel().isActive()) {
                LOG.log(Level.FINE, "writing a reply failed", f.cause());
                ctx.close();
            }
            pump();
        });
        // Coalesce flushes: replies finished in the same event-loop turn share one syscall.
        if (!flushScheduled) {
            flushScheduled = true;
            ctx.channel().eventLoop().execute(() -> {
                flushScheduled = false;
                ctx.flush();
            });
        }
    }

    /**
     * Reading stops as soon as a request has to wait (the queue then holds at most what one
     * socket read delivered) and resumes once the queue is empty and the held bytes fell
     * below the low-water mark.
     */
    private void updateReading() {
        boolean saturated = !queued.isEmpty();
        boolean drained = queued.isEmpty() && heldBytes <= limits.lowWaterBytes() && inFlight < limits.maxInFlight();
        if (!paused && (saturated || closing)) {
            paused = true;
            if (!closing) {
                metrics.readPauses.increment();
            }
            ctx.channel().config().setAutoRead(false);
        } else if (paused && drained && !closing) {
            paused = false;
            ctx.channel().config().setAutoRead(true);
            ctx.read();
        }
    }

    /** Stops taking requests; answers everything already received, then closes. Call on the event loop. */
    public void shutdown() {
        beginClose();
    }

    private void beginClose() {
        closing = true;
        pump();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closing = true;
        NbdRequest r;
        while ((r = queued.poll()) != null) {
            r.release();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.log(Level.WARNING, ctx.channel() + ": closing after error", cause);
        ctx.close();
    }

    /** Bytes this request holds: its write payload or its read reply (none when it is too large to run). */
    private long cost(NbdRequest r) {
        boolean carriesData = r.type() == NbdProtocol.CMD_READ || r.type() == NbdProtocol.CMD_WRITE;
        return carriesData && !r.payloadDropped() && r.length() <= limits.maxPayload() ? r.length() : 0;
    }

    private static boolean isError(NbdReply reply) {
        return reply instanceof NbdReply.Error || (reply instanceof NbdReply.Simple s && s.error() != 0);
    }
}
