package io.nbdcrypt.nbd.transmission;

import io.nbdcrypt.nbd.backend.Export;
import io.nbdcrypt.nbd.codec.BadRequestMagic;
import io.nbdcrypt.nbd.codec.NbdReply;
import io.nbdcrypt.nbd.codec.NbdRequest;
import io.nbdcrypt.nbd.codec.RequestMessage;
import io.nbdcrypt.nbd.codec.UnknownCommand;
import io.nbdcrypt.nbd.wire.CommandType;
import io.nbdcrypt.nbd.wire.NbdErrno;
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
 * in completion order (the cookie matches them to requests); {@link ReplyWriter} puts them on
 * the socket, large reads from their worker.
 *
 * <p>Bounded buffering. A request is admitted while fewer than {@code maxInFlight} are in
 * flight and the held bytes are below the high-water mark; it is then charged its payload
 * (writes) or reply size (reads) until its reply has been written to the socket. A request that
 * cannot be admitted waits in a queue, and the connection stops reading (auto-read off) until
 * the queue is empty and the held bytes fell below the low-water mark. So the server holds at
 * most high-water + one maximum payload + one socket read per connection, and a client that
 * never reads its replies stalls only itself. All connections together also stay within the
 * server's {@link MemoryBudget}; a connection that finds it full waits the same way.
 *
 * <p>All fields are confined to the channel's event loop; workers hand results back with
 * {@code eventLoop().execute}.
 *
 * <p>{@code NBD_CMD_DISC} or a bad request magic: stop reading, finish and answer everything
 * already received, then close. {@link #shutdown} does the same for a server shutdown, and
 * answers requests that still arrive after it with {@code ESHUTDOWN}, as the spec asks.
 */
public final class TransmissionHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = Logger.getLogger(TransmissionHandler.class.getName());

    /** Why the connection stops taking requests; decides what late arrivals get. */
    private enum Closing { NO, CLIENT_LEFT, SHUTDOWN }

    /** What waits in the queue: a request to validate and run, or an answer already decided. */
    private sealed interface Pending {
        record Run(NbdRequest request) implements Pending {}

        record Refuse(long cookie, NbdError error) implements Pending {}
    }

    private final Export export;
    private final Negotiated negotiated;
    private final boolean structured;
    private final Executor workers;
    private final FlowLimits limits;
    private final NbdMetrics metrics;
    private final DirectSocket.Factory directSockets;
    private final MemoryBudget budget;
    /** Left with the budget when it had no room: pump again on this connection's loop. */
    private final Runnable wakeUp = () -> {
        try {
            this.ctx.channel().eventLoop().execute(this::pump);
        } catch (RejectedExecutionException loopGone) {
            // the server is being torn down: nothing left to pump
        }
    };
    /** Requests, and refusals of unknown or late ones, waiting for an in-flight slot. */
    private final ArrayDeque<Pending> queued = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private CommandExecutor executor;
    private ReplyWriter writer;
    private int inFlight;
    private long heldBytes;
    private boolean paused;
    private Closing closing = Closing.NO;

    /** A connection with simple or structured replies and no metadata contexts. */
    public TransmissionHandler(Export export, boolean structuredReplies, Executor workers, FlowLimits limits,
            NbdMetrics metrics) {
        this(export, Negotiated.replies(structuredReplies), workers, limits, metrics, ch -> null,
                MemoryBudget.unlimited());
    }

    /**
     * @param negotiated what the handshake agreed ({@link Negotiated#SIMPLE} for a socket that
     *                   had none, as the kernel client's)
     * @param directSockets how workers may write large replies themselves ({@link ReplyWriter});
     *                      a factory that returns null keeps every reply on the event loop
     * @param budget        the bytes all of the server's connections may hold together
     */
    public TransmissionHandler(Export export, Negotiated negotiated, Executor workers, FlowLimits limits,
            NbdMetrics metrics, DirectSocket.Factory directSockets, MemoryBudget budget) {
        this.export = export;
        this.negotiated = negotiated;
        this.structured = negotiated.structuredReplies();
        this.workers = workers;
        this.limits = limits;
        this.metrics = metrics;
        this.directSockets = directSockets;
        this.budget = budget;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.writer = new ReplyWriter(ctx, directSockets.open(ctx.channel()), this::sent, metrics);
        this.executor = new CommandExecutor(export, negotiated, limits.maxPayload(), ctx.alloc(),
                writer.writesFromWorkers());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        switch (msg) {
            case NbdRequest r -> onRequest(r);
            case UnknownCommand u -> onRequest(u);
            case BadRequestMagic m -> {
                metrics.protocolError();
                LOG.warning(() -> ctx.channel() + ": bad request magic 0x" + Integer.toHexString(m.magic())
                        + "; finishing in-flight requests and closing");
                beginClose(Closing.CLIENT_LEFT);
            }
            default -> {
                ReferenceCountUtil.release(msg);
                throw new IllegalStateException("unexpected message " + msg.getClass().getName());
            }
        }
    }

    private void onRequest(RequestMessage m) {
        if (closing == Closing.CLIENT_LEFT) {
            // Nothing may follow NBD_CMD_DISC, and after a bad magic nothing is framed.
            ReferenceCountUtil.release(m);
            return;
        }
        if (m instanceof NbdRequest r && r.type() == CommandType.DISC) {
            r.release();
            beginClose(Closing.CLIENT_LEFT);
            return;
        }
        metrics.requests.increment();
        queued.add(switch (m) {
            case UnknownCommand u -> new Pending.Refuse(u.cookie(), RequestValidator.unknown(u).error());
            case NbdRequest r when closing == Closing.SHUTDOWN -> {
                r.release();
                yield new Pending.Refuse(r.cookie(),
                        new NbdError(NbdErrno.ESHUTDOWN, r + ": the server is shutting down"));
            }
            case NbdRequest r -> new Pending.Run(r);
            case BadRequestMagic b -> throw new IllegalStateException("a bad magic is not a request");
        });
        pump();
    }

    /** Starts queued requests while there is room, then decides whether to keep reading. */
    private void pump() {
        while (!queued.isEmpty() && inFlight < limits.maxInFlight() && heldBytes < limits.highWaterBytes()) {
            long charge = cost(queued.peek());
            if (!budget.tryTake(charge, wakeUp)) {
                break;   // the server's memory is taken: wait for it (reading stops meanwhile)
            }
            start(queued.poll(), charge);
        }
        NbdMetrics.raiseTo(metrics.maxInFlight, inFlight);
        NbdMetrics.raiseTo(metrics.maxOutstandingBytes, heldBytes);
        updateReading();
        if (closing != Closing.NO && inFlight == 0 && queued.isEmpty()) {
            ctx.flush();
            ctx.close();
        }
    }

    private void start(Pending p, long charge) {
        inFlight++;
        heldBytes += charge;
        switch (p) {
            case Pending.Refuse(long cookie, NbdError error) -> refuse(cookie, error, charge);
            case Pending.Run(NbdRequest r) -> {
                switch (RequestValidator.validate(r, export, limits.maxPayload(), negotiated)) {
                    case Validation.Invalid(NbdError error) -> {
                        r.release();
                        refuse(r.cookie(), error, charge);
                    }
                    case Validation.Valid v -> execute(r, charge);
                }
            }
        }
    }

    private void refuse(long cookie, NbdError error, long charge) {
        LOG.fine(error::message);
        reply(CommandExecutor.errorReply(cookie, error, structured), charge);
    }

    private void execute(NbdRequest r, long charge) {
        try {
            workers.execute(() -> {
                NbdReply reply = executor.execute(r);
                countErrors(reply);
                writer.writeFromWorker(reply, charge);
            });
        } catch (RejectedExecutionException e) {
            r.release();
            reply(CommandExecutor.errorReply(r.cookie(), ErrnoMapper.map(e, r), structured), charge);
        }
    }

    /** On the event loop: a reply decided here. */
    private void reply(NbdReply reply, long charge) {
        countErrors(reply);
        writer.writeFromLoop(reply, charge);
    }

    private void countErrors(NbdReply reply) {
        if (isError(reply)) {
            metrics.errorReplies.increment();
        }
    }

    /** On the event loop: a reply's bytes left for the socket (or never will); its charge and slot come back. */
    private void sent(long charge, Throwable failure) {
        inFlight--;
        heldBytes -= charge;
        budget.give(charge);
        if (failure != null && ctx.channel().isActive()) {
            LOG.log(Level.FINE, "writing a reply failed", failure);
            ctx.close();
        }
        pump();
    }

    /**
     * Reading stops as soon as a request has to wait (the queue then holds at most what one
     * socket read delivered) and resumes once the queue is empty and the held bytes fell
     * below the low-water mark.
     */
    private void updateReading() {
        boolean saturated = !queued.isEmpty();
        boolean drained = queued.isEmpty() && heldBytes <= limits.lowWaterBytes() && inFlight < limits.maxInFlight();
        if (!paused && (saturated || closing != Closing.NO)) {
            paused = true;
            if (closing == Closing.NO) {
                metrics.readPauses.increment();
            }
            ctx.channel().config().setAutoRead(false);
        } else if (paused && drained && closing == Closing.NO) {
            paused = false;
            ctx.channel().config().setAutoRead(true);
            ctx.read();
        }
    }

    /**
     * Stops reading; runs everything already received, answers requests that still arrive with
     * ESHUTDOWN, then closes. Call on the event loop.
     */
    public void shutdown() {
        beginClose(Closing.SHUTDOWN);
    }

    private void beginClose(Closing why) {
        if (closing != Closing.CLIENT_LEFT) {
            closing = why;
        }
        pump();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closing = Closing.CLIENT_LEFT;
        writer.close();
        Pending p;
        while ((p = queued.poll()) != null) {
            if (p instanceof Pending.Run(NbdRequest r)) {
                r.release();
            }
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.log(Level.WARNING, ctx.channel() + ": closing after error", cause);
        ctx.close();
    }

    /**
     * Bytes this request holds: its write payload or its read reply (none when it is too large
     * to run), or for block status the largest reply it may get.
     */
    private long cost(Pending p) {
        if (!(p instanceof Pending.Run(NbdRequest r))) {
            return 0;
        }
        if (r.type() == CommandType.BLOCK_STATUS) {
            return 4 + 8L * CommandExecutor.maxDescriptors(limits.maxPayload());
        }
        boolean carriesData = r.type() == CommandType.READ || r.type() == CommandType.WRITE;
        return carriesData && !r.payloadDropped() && r.length() <= limits.maxPayload() ? r.length() : 0;
    }

    private static boolean isError(NbdReply reply) {
        return reply instanceof NbdReply.Error || (reply instanceof NbdReply.Simple s && s.error() != 0);
    }
}
