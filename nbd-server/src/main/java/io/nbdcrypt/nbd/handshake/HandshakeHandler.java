package io.nbdcrypt.nbd.handshake;

import static io.nbdcrypt.nbd.wire.NbdProtocol.*;

import io.nbdcrypt.nbd.backend.Export;
import io.nbdcrypt.nbd.backend.ExportRegistry;
import io.nbdcrypt.nbd.codec.HandshakeMessage;
import io.nbdcrypt.nbd.codec.HandshakeMessage.BadOptionMagic;
import io.nbdcrypt.nbd.codec.HandshakeMessage.ClientFlags;
import io.nbdcrypt.nbd.codec.HandshakeMessage.OptionRequest;
import io.nbdcrypt.nbd.codec.HandshakeMessage.OptionTooLarge;
import io.nbdcrypt.nbd.codec.HandshakeReply;
import io.nbdcrypt.nbd.codec.HandshakeReply.OptionReply;
import io.nbdcrypt.nbd.transmission.MetaContext;
import io.nbdcrypt.nbd.transmission.NbdMetrics;
import io.nbdcrypt.nbd.transmission.Negotiated;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Logger;

/**
 * Server side of fixed newstyle negotiation, one instance per connection.
 *
 * <p>Sends the greeting (FIXED_NEWSTYLE | NO_ZEROES), checks the client flags (a client that
 * does not speak fixed newstyle, or sets unknown flags, is disconnected as the spec requires),
 * then answers options: EXPORT_NAME, GO, INFO, LIST, ABORT, STRUCTURED_REPLY, LIST_META_CONTEXT
 * and SET_META_CONTEXT (after STRUCTURED_REPLY; see {@link MetaContextRequest}); STARTTLS gets
 * NBD_REP_ERR_POLICY (TLS is not offered: local sockets only); every other option gets
 * NBD_REP_ERR_UNSUP and negotiation continues. Malformed option data gets NBD_REP_ERR_INVALID,
 * oversized data NBD_REP_ERR_TOO_BIG, an unknown export NBD_REP_ERR_UNKNOWN. Only a bad
 * option magic, bad client flags, or an unknown/oversized EXPORT_NAME (which has no error
 * reply) close the connection.
 *
 * <p>While the client does not read our replies the channel stops being writable; reading
 * then stops too, so option floods cannot grow the outbound buffer without bound.
 *
 * <p>Timeouts ({@link HandshakeLimits}): a client silent for longer than the idle limit, or not
 * done by the deadline, is cut (counted as a handshake timeout and, as before, a protocol error). Warnings
 * about cut and malformed handshakes go through a {@link ConnectionLog}, so a flood of them
 * costs a few log lines, not thousands.
 */
public final class HandshakeHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = Logger.getLogger(HandshakeHandler.class.getName());
    private static final int KNOWN_CLIENT_FLAGS = FLAG_C_FIXED_NEWSTYLE | FLAG_C_NO_ZEROES;

    private final ExportRegistry exports;
    private final int maxPayload;
    private final NbdMetrics metrics;
    private final ConnectionLog log;
    private final TransmissionStarter starter;
    private final HandshakeLimits limits;
    private ScheduledFuture<?> deadline;
    private ScheduledFuture<?> idleTimer;
    private SessionState session = new SessionState(false, false);
    private boolean flagsSeen;
    private boolean done;

    /**
     * A handler whose whole negotiation must finish within {@code timeout}, with no shorter
     * idle limit, logging every failure of its own.
     */
    public HandshakeHandler(ExportRegistry exports, int maxPayload, Duration timeout, NbdMetrics metrics,
            TransmissionStarter starter) {
        this(exports, maxPayload, new HandshakeLimits(timeout, timeout), metrics, new ConnectionLog(LOG), starter);
    }

    /**
     * @param limits  idle limit and deadline for the negotiation
     * @param log     the server's rate-limited log of failed handshakes
     * @param starter installs the transmission phase once an export is chosen
     */
    public HandshakeHandler(ExportRegistry exports, int maxPayload, HandshakeLimits limits, NbdMetrics metrics,
            ConnectionLog log, TransmissionStarter starter) {
        this.exports = exports;
        this.limits = limits;
        this.maxPayload = maxPayload;
        this.metrics = metrics;
        this.log = log;
        this.starter = starter;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        deadline = ctx.executor().schedule(() -> timeOut(ctx, "negotiation not finished within "
                + limits.deadline().toSeconds() + " s"), limits.deadline().toMillis(), TimeUnit.MILLISECONDS);
        restartIdleTimer(ctx);
        ctx.writeAndFlush(new HandshakeReply.ServerGreeting(FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES));
        ctx.fireChannelActive();
    }

    /** The decoder passes this on after every socket read, even one too short to decode: bytes arrived. */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (!done) {
            restartIdleTimer(ctx);
        }
        ctx.fireChannelReadComplete();
    }

    private void restartIdleTimer(ChannelHandlerContext ctx) {
        if (idleTimer != null) {
            idleTimer.cancel(false);
        }
        idleTimer = ctx.executor().schedule(() -> timeOut(ctx, "client silent for " + limits.idle().toMillis()
                + " ms during negotiation"), limits.idle().toMillis(), TimeUnit.MILLISECONDS);
    }

    private void timeOut(ChannelHandlerContext ctx, String why) {
        if (done) {
            return;
        }
        stop();
        metrics.handshakeTimedOut();
        metrics.protocolError();
        log.warn(ConnectionLog.Kind.TIMED_OUT, () -> ctx.channel() + ": handshake cut: " + why);
        ctx.close();
    }

    /** Negotiation is over, one way or another: no more timers. */
    private void stop() {
        done = true;
        if (deadline != null) {
            deadline.cancel(false);
        }
        if (idleTimer != null) {
            idleTimer.cancel(false);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (done || !(msg instanceof HandshakeMessage m)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        switch (m) {
            case ClientFlags f -> onClientFlags(ctx, f.flags());
            case BadOptionMagic b -> fail(ctx, "bad option magic 0x" + Long.toHexString(b.magic()));
            case OptionTooLarge t -> {
                if (t.option() == OPT_EXPORT_NAME) {
                    fail(ctx, "NBD_OPT_EXPORT_NAME with " + t.length() + " bytes of name");
                } else {
                    reply(ctx, t.option(), REP_ERR_TOO_BIG, optionName(t.option()) + " data of " + t.length()
                            + " bytes is too large");
                }
            }
            case OptionRequest o -> {
                if (!flagsSeen) {
                    throw new IllegalStateException("option before client flags");
                }
                onOption(ctx, o.option(), o.data());
            }
        }
    }

    private void onClientFlags(ChannelHandlerContext ctx, int flags) {
        if ((flags & ~KNOWN_CLIENT_FLAGS) != 0) {
            fail(ctx, "unknown client flags 0x" + Integer.toHexString(flags & ~KNOWN_CLIENT_FLAGS));
        } else if ((flags & FLAG_C_FIXED_NEWSTYLE) == 0) {
            fail(ctx, "client does not support fixed newstyle negotiation");
        } else {
            flagsSeen = true;
            session = new SessionState((flags & FLAG_C_NO_ZEROES) != 0, false);
        }
    }

    private void onOption(ChannelHandlerContext ctx, int option, byte[] data) {
        switch (option) {
            case OPT_EXPORT_NAME -> exportName(ctx, data);
            case OPT_GO, OPT_INFO -> goOrInfo(ctx, option, data);
            case OPT_LIST -> list(ctx, data);
            case OPT_STRUCTURED_REPLY -> {
                if (data.length != 0) {
                    reply(ctx, option, REP_ERR_INVALID, "NBD_OPT_STRUCTURED_REPLY takes no data");
                } else {
                    session = session.withStructuredReplies();
                    ack(ctx, option);
                }
            }
            case OPT_ABORT -> {
                stop();
                ctx.writeAndFlush(new OptionReply(option, REP_ACK, new byte[0]))
                        .addListener(ChannelFutureListener.CLOSE);
            }
            case OPT_LIST_META_CONTEXT, OPT_SET_META_CONTEXT -> metaContext(ctx, option, data);
            case OPT_STARTTLS -> reply(ctx, option, REP_ERR_POLICY,
                    "TLS is not offered: this server listens on local sockets only");
            default -> reply(ctx, option, REP_ERR_UNSUP, optionName(option) + " is not supported");
        }
    }

    private void exportName(ChannelHandlerContext ctx, byte[] data) {
        Optional<Export> export;
        try {
            export = exports.find(InfoRequest.decodeName(data));
        } catch (IllegalArgumentException e) {
            export = Optional.empty();
        }
        if (export.isEmpty()) {
            // EXPORT_NAME has no error reply: the spec says to close.
            fail(ctx, "NBD_OPT_EXPORT_NAME for an unknown export");
            return;
        }
        Export e = export.get();
        ctx.write(new HandshakeReply.ExportNameReply(e.size(), e.transmissionFlags(), session.noZeroes()));
        enterTransmission(ctx, e);
    }

    private void goOrInfo(ChannelHandlerContext ctx, int option, byte[] data) {
        InfoRequest request;
        try {
            request = InfoRequest.parse(data);
        } catch (IllegalArgumentException e) {
            reply(ctx, option, REP_ERR_INVALID, optionName(option) + ": " + e.getMessage());
            return;
        }
        Optional<Export> export = exportOrUnknown(ctx, option, request.exportName());
        if (export.isEmpty()) {
            return;
        }
        for (OptionReply r : ExportInfo.replies(option, export.get(), request, maxPayload)) {
            ctx.write(r);
        }
        ack(ctx, option);
        if (option == OPT_GO) {
            enterTransmission(ctx, export.get());
        }
    }

    /**
     * LIST_META_CONTEXT replies with the matching contexts (id 0, as the spec asks for listings);
     * SET_META_CONTEXT with the selected ones and their ids, replacing any earlier selection,
     * which a failure clears.
     */
    private void metaContext(ChannelHandlerContext ctx, int option, byte[] data) {
        boolean setting = option == OPT_SET_META_CONTEXT;
        if (setting) {
            session = session.withMetaContexts(null, Set.of());
        }
        if (!session.structuredReplies()) {
            reply(ctx, option, REP_ERR_INVALID, optionName(option) + " needs NBD_OPT_STRUCTURED_REPLY first");
            return;
        }
        MetaContextRequest request;
        Set<MetaContext> found;
        try {
            request = MetaContextRequest.parse(data);
            found = request.matches(!setting);
        } catch (IllegalArgumentException e) {
            reply(ctx, option, REP_ERR_INVALID, optionName(option) + ": " + e.getMessage());
            return;
        }
        Optional<Export> export = exportOrUnknown(ctx, option, request.exportName());
        if (export.isEmpty()) {
            return;
        }
        for (MetaContext c : found) {
            byte[] name = c.contextName().getBytes(StandardCharsets.UTF_8);
            ctx.write(new OptionReply(option, REP_META_CONTEXT,
                    ByteBuffer.allocate(4 + name.length).putInt(setting ? c.id() : 0).put(name).array()));
        }
        if (setting) {
            session = session.withMetaContexts(export.get(), found);
        }
        ack(ctx, option);
    }

    /** The export {@code name} refers to, or empty after answering NBD_REP_ERR_UNKNOWN. */
    private Optional<Export> exportOrUnknown(ChannelHandlerContext ctx, int option, String name) {
        Optional<Export> export = exports.find(name);
        if (export.isEmpty()) {
            reply(ctx, option, REP_ERR_UNKNOWN, "no export named '" + name + "'");
        }
        return export;
    }

    private void list(ChannelHandlerContext ctx, byte[] data) {
        if (data.length != 0) {
            reply(ctx, OPT_LIST, REP_ERR_INVALID, "NBD_OPT_LIST takes no data");
            return;
        }
        for (Export e : exports.exports()) {
            byte[] name = e.name().getBytes(StandardCharsets.UTF_8);
            byte[] desc = e.description().getBytes(StandardCharsets.UTF_8);
            ctx.write(new OptionReply(OPT_LIST, REP_SERVER,
                    ByteBuffer.allocate(4 + name.length + desc.length).putInt(name.length).put(name).put(desc).array()));
        }
        ack(ctx, OPT_LIST);
    }

    private void enterTransmission(ChannelHandlerContext ctx, Export export) {
        stop();
        // The handshake may have paused reading behind unread option replies; only it resumes that.
        ctx.channel().config().setAutoRead(true);
        ctx.flush();
        starter.start(ctx, export, new Negotiated(session.structuredReplies(), session.metaContextsFor(export)));
    }

    private void ack(ChannelHandlerContext ctx, int option) {
        ctx.writeAndFlush(new OptionReply(option, REP_ACK, new byte[0]));
        pauseIfClientIsNotReading(ctx);
    }

    private void reply(ChannelHandlerContext ctx, int option, int type, String message) {
        LOG.fine(() -> ctx.channel() + ": " + message);
        ctx.writeAndFlush(new OptionReply(option, type, message.getBytes(StandardCharsets.UTF_8)));
        pauseIfClientIsNotReading(ctx);
    }

    private void fail(ChannelHandlerContext ctx, String why) {
        stop();
        metrics.protocolError();
        log.warn(ConnectionLog.Kind.PROTOCOL_ERROR, () -> ctx.channel() + ": handshake failed: " + why + "; closing");
        ctx.close();
    }

    private static void pauseIfClientIsNotReading(ChannelHandlerContext ctx) {
        if (!ctx.channel().isWritable()) {
            ctx.channel().config().setAutoRead(false);
        }
    }

    /** A client that leaves mid-negotiation is not a protocol error 60 s later. */
    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        stop();
        ctx.fireChannelInactive();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable() && !done) {
            ctx.channel().config().setAutoRead(true);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail(ctx, String.valueOf(cause));
    }
}
