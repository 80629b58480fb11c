package io.nbdcrypt.nbd.server;

import io.nbdcrypt.nbd.backend.Export;
import io.nbdcrypt.nbd.backend.ExportRegistry;
import io.nbdcrypt.nbd.codec.HandshakeDecoder;
import io.nbdcrypt.nbd.codec.HandshakeEncoder;
import io.nbdcrypt.nbd.codec.ReplyEncoder;
import io.nbdcrypt.nbd.codec.RequestDecoder;
import io.nbdcrypt.nbd.handshake.ConnectionLog;
import io.nbdcrypt.nbd.server.ConnectionSlots.Admission;
import io.nbdcrypt.nbd.handshake.HandshakeHandler;
import io.nbdcrypt.nbd.transmission.MemoryBudget;
import io.nbdcrypt.nbd.transmission.RetainingHeapAllocator;
import io.nbdcrypt.nbd.transmission.NbdMetrics;
import io.nbdcrypt.nbd.transmission.Negotiated;
import io.nbdcrypt.nbd.transmission.TransmissionHandler;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * An NBD server for the exports of one {@link ExportRegistry}, on a unix domain socket and/or
 * loopback TCP, and on connections handed to it already in the transmission phase
 * ({@link #adoptConnection}: the in-process kernel attach).
 *
 * <p>Event loops only frame bytes and write replies; requests run on a bounded worker pool.
 * {@link #close()} is graceful: stop accepting, let every connection answer what it already
 * received, flush and close the devices, and wipe keys (through the registry's resources).
 * It is idempotent and safe from a shutdown hook.
 */
public final class NbdServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(NbdServer.class.getName());
    private static final int MAX_OPTION_LENGTH = 16 * 1024;
    private static final long DRAIN_TIMEOUT_MILLIS = 30_000;
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;
    /** How long a kept buffer array may sit unused before the allocator lets it go. */
    private static final long TRIM_SECONDS = 30;

    private final ExportRegistry exports;
    private final ServerConfig config;
    private final Transport transport;
    private final EventLoopGroup group;
    private final ExecutorService workers;
    private final NbdMetrics metrics = new NbdMetrics();
    /** What all connections may hold at once: the daemon's heap and direct memory are small. */
    private final MemoryBudget budget;
    /**
     * Keeps the large request and reply arrays for reuse: as many as the budget lets requests
     * hold, and one of the largest size more for the WRITE payloads a connection's decoder has
     * begun to fill before the budget charged them (kept to the budget alone, the arrays of
     * those were dropped and made anew, a full GC every 0.6 s of 1 MiB QD16 writes).
     */
    private final RetainingHeapAllocator allocator;
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final List<Channel> listeners = new ArrayList<>();
    private final ConnectionSlots slots;
    private final ConnectionLog connectionLog = new ConnectionLog(LOG);
    private InetSocketAddress tcpAddress;
    /** Written by close(), read by the event loops that accept connections. */
    private volatile boolean closed;

    private NbdServer(ExportRegistry exports, ServerConfig config) {
        this.exports = exports;
        this.config = config;
        this.budget = MemoryBudget.forThisJvm(exports.exports().stream().mapToLong(e -> e.device().heapBytesKept()).sum());
        this.allocator = new RetainingHeapAllocator(PooledByteBufAllocator.DEFAULT,
                budget.limitBytes() + RetainingHeapAllocator.MAX_RETAINED);
        this.slots = new ConnectionSlots(config.maxConnections(), config.maxNegotiating());
        this.transport = Transport.choose(config.nativeTransport());
        this.group = transport.newGroup(Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors())));
        AtomicInteger n = new AtomicInteger();
        this.workers = new ThreadPoolExecutor(config.workerThreads(), config.workerThreads(), 0, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "nbd-worker-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        group.next().scheduleAtFixedRate(allocator::trim, TRIM_SECONDS, TRIM_SECONDS, TimeUnit.SECONDS);
    }

    /**
     * Binds and starts serving. On failure everything started is stopped again; the registry
     * stays open (the caller owns it until a server was returned).
     *
     * @throws IOException if the socket path is in use by a live server or binding fails
     */
    public static NbdServer start(ExportRegistry exports, ServerConfig config) throws IOException {
        NbdServer s = new NbdServer(exports, config);
        try {
            s.bind();
            return s;
        } catch (IOException | RuntimeException e) {
            s.stopThreads();
            throw e;
        }
    }

    private static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(256 << 10, 1 << 20);

    private static AdaptiveRecvByteBufAllocator receiveAllocator() {
        return new AdaptiveRecvByteBufAllocator(512, 64 << 10, 1 << 20);
    }

    private void bind() throws IOException {
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                // The pooled allocator (measured ~1.5x faster than Netty 4.2's default, adaptive,
                // for the 1 MiB read/write buffers of sequential I/O), large heap arrays kept.
                .childOption(ChannelOption.ALLOCATOR, allocator)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                .childOption(ChannelOption.RCVBUF_ALLOCATOR, receiveAllocator())
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        initConnection(ch);
                    }
                });
        if (config.socket() != null) {
            prepareSocketPath(config.socket());
            // Only the owner may connect: the socket is the plaintext view of the volume. Bind
            // under a temporary name, restrict it, then rename it into place, so no client can
            // connect while the permissions are still the umask's.
            Path tmp = config.socket().resolveSibling(config.socket().getFileName() + ".binding-" + ProcessHandle.current().pid());
            Files.deleteIfExists(tmp);
            Channel ch = b.clone().channel(transport.unixChannel())
                    .bind(transport.unixAddress(tmp)).syncUninterruptibly().channel();
            listeners.add(ch);
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            Files.move(tmp, config.socket(), StandardCopyOption.ATOMIC_MOVE);
        }
        if (config.tcp() != null) {
            Channel ch = b.clone().channel(transport.tcpChannel())
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .bind(config.tcp()).syncUninterruptibly().channel();
            listeners.add(ch);
            tcpAddress = (InetSocketAddress) ch.localAddress();
        }
        LOG.info(() -> "serving " + exports.defaultExport().device() + " with " + transport + " transport");
    }

    /**
     * Refuses a path that is not a socket or that a live server listens on; removes a stale
     * socket left behind by a crash.
     */
    private static void prepareSocketPath(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        if ((mode & S_IFMT) != S_IFSOCK) {
            throw new IOException(path + " exists and is not a socket");
        }
        boolean live;
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(path));
            live = true;
        } catch (IOException refused) {
            live = false;
        }
        if (live) {
            throw new IOException("socket " + path + " is in use by another server");
        }
        Files.delete(path);
    }

    /**
     * Gives a new connection a slot ({@link ConnectionSlots}), evicting a stuck negotiation if
     * need be, or closes it (shutting down, or no slot); true when admitted. Child channels are
     * initialised on several event loops at once: the slots are thread-safe.
     */
    private boolean admit(Channel ch) {
        if (closed) {
            metrics.connectionRefused();
            LOG.info(() -> "refusing connection " + ch + ": shutting down");
            ch.close();
            return false;
        }
        switch (slots.admit(ch, System.nanoTime())) {
            case Admission.Refused(int open, int negotiating) -> {
                metrics.connectionRefused();
                connectionLog.warn(ConnectionLog.Kind.REFUSED, () -> "refusing connection " + ch + ": " + open
                        + " open (limit " + config.maxConnections() + "), " + negotiating + " negotiating (limit "
                        + config.maxNegotiating() + "), none negotiating for over a second");
                ch.close();
                return false;
            }
            case Admission.AdmittedEvicting(Channel evicted) -> {
                metrics.handshakeEvicted();
                connectionLog.warn(ConnectionLog.Kind.EVICTED, () -> "closing " + evicted
                        + ": still negotiating after a second while the connection slots are full");
                evicted.close();
            }
            case Admission.Admitted a -> { }
        }
        ch.closeFuture().addListener(f -> slots.closed(ch));
        metrics.connectionAccepted();
        connections.add(ch);
        return true;
    }

    private void initConnection(Channel ch) {
        if (!admit(ch)) {
            return;
        }
        ch.pipeline()
                .addLast("decoder", new HandshakeDecoder(MAX_OPTION_LENGTH))
                .addLast("encoder", new HandshakeEncoder())
                .addLast("handler", new HandshakeHandler(exports, config.limits().maxPayload(),
                        config.handshakeLimits(), metrics, connectionLog, this::startTransmission));
    }

    private void startTransmission(ChannelHandlerContext ctx, Export export, Negotiated negotiated) {
        if (!slots.established(ctx.channel())) {
            ctx.close();   // evicted while its last handshake reply was on the way
            return;
        }
        // Order matters: the new handler must be in place before the decoder is replaced,
        // because the old decoder forwards any bytes it already holds to its successor.
        ChannelPipeline p = ctx.pipeline();
        p.replace("handler", "handler", transmissionHandler(export, negotiated));
        p.replace("encoder", "encoder", new ReplyEncoder());
        p.replace("decoder", "decoder", requestDecoder(export));
    }

    private TransmissionHandler transmissionHandler(Export export, Negotiated negotiated) {
        return new TransmissionHandler(export, negotiated, workers, config.limits(), metrics, DuplicatedSocket::open,
                budget);
    }

    private RequestDecoder requestDecoder(Export export) {
        return new RequestDecoder(config.limits().maxPayload(), export.device().prefersHeapWrites());
    }

    /**
     * Serves the default export's transmission phase on {@code fd}: one end of a connected unix
     * stream socket whose other end went to a client that needs no handshake, because it learnt
     * size and flags another way (the kernel's NBD client, attached in-process). Simple replies,
     * as the kernel speaks. The server owns {@code fd} from here and closes it with the
     * connection; the connection takes a slot (see {@link ServerConfig}) and is established at
     * once, so it is never evicted.
     *
     * @throws IOException if the epoll transport is not available (only it can adopt a
     *                     descriptor) or the server is closed; {@code fd} is closed then too
     */
    public Channel adoptConnection(int fd) throws IOException {
        if (transport != Transport.EPOLL || closed) {
            io.nbdcrypt.linux.Libc.close(fd);
            throw new IOException(closed ? "server is shut down"
                    : "serving an in-process connection needs Netty's epoll transport: " + Epoll.unavailabilityCause());
        }
        io.nbdcrypt.linux.Sockets.setNonBlocking(fd);
        EpollDomainSocketChannel ch = new EpollDomainSocketChannel(fd, true);
        ch.config().setAllocator(allocator).setWriteBufferWaterMark(WATER_MARK)
                .setRecvByteBufAllocator(receiveAllocator());
        Export export = exports.defaultExport();
        ch.pipeline().addLast(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel c) {
                if (admit(c) && slots.established(c)) {
                    c.pipeline()
                            .addLast("decoder", requestDecoder(export))
                            .addLast("encoder", new ReplyEncoder())
                            .addLast("handler", transmissionHandler(export, Negotiated.SIMPLE));
                }
            }
        });
        group.register(ch).syncUninterruptibly();
        return ch;
    }

    /** The {@code nbd+unix://} URI of the default export (or {@code nbd://} when only TCP is used). */
    public String uri() {
        if (config.socket() != null) {
            return "nbd+unix:///?socket=" + config.socket().toAbsolutePath();
        }
        return tcpUri();
    }

    /** {@code nbd://HOST:PORT/} for the bound TCP address (IPv6 in brackets), or {@code null}. */
    public String tcpUri() {
        if (tcpAddress == null) {
            return null;
        }
        java.net.InetAddress a = tcpAddress.getAddress();
        String host = a instanceof java.net.Inet6Address ? "[" + a.getHostAddress() + "]" : a.getHostAddress();
        return "nbd://" + host + ":" + tcpAddress.getPort() + "/";
    }

    /** The bound TCP address (with the real port when 0 was asked), or {@code null}. */
    public InetSocketAddress tcpAddress() {
        return tcpAddress;
    }

    public NbdMetrics metrics() {
        return metrics;
    }

    /** Connections holding a slot right now (negotiating or in transmission). */
    public int connectionCount() {
        return slots.open();
    }

    /** Graceful shutdown; see the class comment. Returns when the devices are closed. */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        for (Channel l : listeners) {
            l.close().syncUninterruptibly();
        }
        for (Channel ch : connections) {
            ch.eventLoop().execute(() -> {
                TransmissionHandler h = ch.pipeline().get(TransmissionHandler.class);
                if (h != null) {
                    h.shutdown();
                } else {
                    ch.close();
                }
            });
        }
        if (!connections.newCloseFuture().awaitUninterruptibly(DRAIN_TIMEOUT_MILLIS)) {
            LOG.warning("connections did not drain in time; closing them");
            connections.close().awaitUninterruptibly();
        }
        stopThreads();
        if (config.socket() != null) {
            Files.deleteIfExists(config.socket());
        }
        exports.close();
    }

    private void stopThreads() {
        workers.shutdown();
        try {
            if (!workers.awaitTermination(DRAIN_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)) {
                workers.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            workers.shutdownNow();
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        for (Channel l : listeners) {
            l.close();
        }
        LOG.log(Level.FINE, "server threads stopped");
    }
}
