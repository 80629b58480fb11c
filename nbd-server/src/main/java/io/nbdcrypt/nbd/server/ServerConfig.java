package io.nbdcrypt.nbd.server;

import io.nbdcrypt.nbd.handshake.HandshakeLimits;
import io.nbdcrypt.nbd.transmission.FlowLimits;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Where and how a server listens. No secrets here.
 *
 * <p>Connection slots: at most {@code maxConnections} connections are open, and at most
 * {@code maxNegotiating} of them still in the handshake. When either is full, a new connection
 * takes the slot of the oldest one still negotiating if that one has been at it for more than
 * a second (a real client negotiates in milliseconds), and is refused otherwise. So clients that
 * connect and never finish cannot lock out one that does; connections in the transmission
 * phase are never closed for a newcomer, however long they idle.
 *
 * @param socket           unix domain socket path, or {@code null}
 * @param tcp              TCP address (loopback only), or {@code null}; neither: the server
 *                         listens nowhere and serves only what {@link NbdServer#adoptConnection}
 *                         hands it
 * @param maxConnections   simultaneous connections, negotiating or not
 * @param workerThreads    threads that run requests (crypto and disk I/O)
 * @param limits           per-connection buffering bounds
 * @param nativeTransport  use epoll when available (NIO otherwise)
 * @param handshakeTimeout a client that has not finished negotiating by then is dropped
 * @param handshakeIdleTimeout a negotiating client silent this long is dropped
 * @param maxNegotiating   simultaneous connections still in the handshake
 */
public record ServerConfig(Path socket, InetSocketAddress tcp, int maxConnections, int workerThreads,
        FlowLimits limits, boolean nativeTransport, Duration handshakeTimeout, Duration handshakeIdleTimeout,
        int maxNegotiating) {

    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(60);
    /** A few seconds: a real client answers each handshake reply in milliseconds. */
    public static final Duration DEFAULT_HANDSHAKE_IDLE_TIMEOUT = Duration.ofSeconds(5);
    public static final int DEFAULT_MAX_NEGOTIATING = 16;

    public ServerConfig {
        if (tcp != null && !tcp.getAddress().isLoopbackAddress()) {
            throw new IllegalArgumentException("TCP address " + tcp + " is not loopback; NBD here has no TLS");
        }
        if (handshakeTimeout.isNegative() || handshakeTimeout.isZero()) {
            throw new IllegalArgumentException("handshake timeout must be positive");
        }
        if (handshakeIdleTimeout.isNegative() || handshakeIdleTimeout.isZero()) {
            throw new IllegalArgumentException("handshake idle timeout must be positive");
        }
        if (maxConnections < 1 || workerThreads < 1 || maxNegotiating < 1) {
            throw new IllegalArgumentException("connections, negotiating connections and worker threads must be at least 1");
        }
    }

    /** As before the handshake idle limit existed: idle limit 5 s (or the deadline if shorter), 16 negotiating. */
    public ServerConfig(Path socket, InetSocketAddress tcp, int maxConnections, int workerThreads, FlowLimits limits,
            boolean nativeTransport, Duration handshakeTimeout) {
        this(socket, tcp, maxConnections, workerThreads, limits, nativeTransport, handshakeTimeout,
                min(DEFAULT_HANDSHAKE_IDLE_TIMEOUT, handshakeTimeout), DEFAULT_MAX_NEGOTIATING);
    }

    /** A unix socket server with default limits. */
    public static ServerConfig unix(Path socket) {
        return new ServerConfig(socket, null, 16, defaultWorkers(), FlowLimits.defaults(), true,
                DEFAULT_HANDSHAKE_TIMEOUT, DEFAULT_HANDSHAKE_IDLE_TIMEOUT, DEFAULT_MAX_NEGOTIATING);
    }

    /** A server that listens nowhere: only adopted, in-process connections (the kernel attach). */
    public static ServerConfig inProcess() {
        return new ServerConfig(null, null, 16, defaultWorkers(), FlowLimits.defaults(), true,
                DEFAULT_HANDSHAKE_TIMEOUT, DEFAULT_HANDSHAKE_IDLE_TIMEOUT, DEFAULT_MAX_NEGOTIATING);
    }

    public ServerConfig withTcp(InetSocketAddress address) {
        return new ServerConfig(socket, address, maxConnections, workerThreads, limits, nativeTransport,
                handshakeTimeout, handshakeIdleTimeout, maxNegotiating);
    }

    public ServerConfig withMaxConnections(int n) {
        return new ServerConfig(socket, tcp, n, workerThreads, limits, nativeTransport, handshakeTimeout,
                handshakeIdleTimeout, maxNegotiating);
    }

    public ServerConfig withLimits(FlowLimits l) {
        return new ServerConfig(socket, tcp, maxConnections, workerThreads, l, nativeTransport, handshakeTimeout,
                handshakeIdleTimeout, maxNegotiating);
    }

    public ServerConfig withNativeTransport(boolean on) {
        return new ServerConfig(socket, tcp, maxConnections, workerThreads, limits, on, handshakeTimeout,
                handshakeIdleTimeout, maxNegotiating);
    }

    /** The negotiation deadline; the idle limit stays, cut to the deadline if it was longer. */
    public ServerConfig withHandshakeTimeout(Duration t) {
        return new ServerConfig(socket, tcp, maxConnections, workerThreads, limits, nativeTransport, t,
                min(handshakeIdleTimeout, t), maxNegotiating);
    }

    public ServerConfig withHandshakeIdleTimeout(Duration t) {
        return new ServerConfig(socket, tcp, maxConnections, workerThreads, limits, nativeTransport, handshakeTimeout,
                t, maxNegotiating);
    }

    public ServerConfig withMaxNegotiating(int n) {
        return new ServerConfig(socket, tcp, maxConnections, workerThreads, limits, nativeTransport, handshakeTimeout,
                handshakeIdleTimeout, n);
    }

    /** The two handshake timeouts, as the handshake handler takes them. */
    public HandshakeLimits handshakeLimits() {
        return new HandshakeLimits(handshakeIdleTimeout, handshakeTimeout);
    }

    /** Enough threads to keep the cores busy while some wait on fdatasync. */
    public static int defaultWorkers() {
        return Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
