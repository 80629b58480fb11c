package io.nbdcrypt.nbd.server;

import io.nbdcrypt.nbd.transmission.FlowLimits;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Where and how a server listens. No secrets here.
 *
 * @param socket         unix domain socket path, or {@code null}
 * @param tcp            TCP address (loopback only), or {@code null}; neither: the server
 *                       listens nowhere and serves only what {@link NbdServer#adoptConnection}
 *                       hands it
 * @param maxConnections simultaneous connections; more are closed right after accept
 * @param workerThreads  threads that run requests (crypto and disk I/O)
 * @param limits         per-connection buffering bounds
 * @param nativeTransport use epoll when available (NIO otherwise)
 * @param handshakeTimeout a client that has not finished negotiating by then is dropped, so
 *                        idle connections cannot hold the connection slots
 */
public record ServerConfig(Path socket, InetSocketAddress tcp, int maxConnections, int workerThreads,
        FlowLimits limits, boolean nativeTransport, Duration handshakeTimeout) {

    public ServerConfig {
        if (tcp != null && !tcp.getAddress().isLoopbackAddress()) {
            throw new IllegalArgumentException("TCP address " + tcp + " is not loopback; NBD here has no TLS");
        }
        if (handshakeTimeout.isNegative() || handshakeTimeout.isZero()) {
            throw new IllegalArgumentException("handshake timeout must be positive");
        }
        if (maxConnections < 1 || workerThreads < 1) {
            throw new IllegalArgumentException("connections and worker threads must be at least 1");
        }
    }

    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(60);

    /** A unix socket server with default limits. */
    public static ServerConfig unix(Path socket) {
        return new ServerConfig(socket, null, 16, defaultWorkers(), FlowLimits.defaults(), true, DEFAULT_HANDSHAKE_TIMEOUT);
    }

    /** A server that listens nowhere: only adopted, in-process connections (the kernel attach). */
    public static ServerConfig inProcess() {
        return new ServerConfig(null, null, 16, defaultWorkers(), FlowLimits.defaults(), true, DEFAULT_HANDSHAKE_TIMEOUT);
    }

    public ServerConfig withTcp(InetSocketAddress address) {
        return new ServerConfig(socket, address, maxConnections, workerThreads, limits, nativeTransport, handshakeTimeout);
    }

    public ServerConfig withMaxConnections(int n) {
        return new ServerConfig(socket, tcp, n, workerThreads, limits, nativeTransport, handshakeTimeout);
    }

    public ServerConfig withLimits(FlowLimits l) {
        return new ServerConfig(socket, tcp, maxConnections, workerThreads, l, nativeTransport, handshakeTimeout);
    }

    public ServerConfig withNativeTransport(boolean on) {
        return new ServerConfig(socket, tcp, maxConnections, workerThreads, limits, on, handshakeTimeout);
    }

    public ServerConfig withHandshakeTimeout(Duration t) {
        return new ServerConfig(socket, tcp, maxConnections, workerThreads, limits, nativeTransport, t);
    }

    /** Enough threads to keep the cores busy while some wait on fdatasync. */
    public static int defaultWorkers() {
        return Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
    }
}
