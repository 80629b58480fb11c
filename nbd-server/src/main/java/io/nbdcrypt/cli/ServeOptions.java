package io.nbdcrypt.cli;

import io.nbdcrypt.nbd.server.ServerConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Where and how to serve: options shared by {@code serve} and {@code demo}. */
final class ServeOptions {
    @Option(names = "--socket", paramLabel = "PATH", description = "Unix domain socket to listen on.")
    Path socket;

    @Option(names = "--tcp", paramLabel = "127.0.0.1:PORT",
            description = "Also listen on this loopback TCP address (no TLS: loopback only).")
    String tcp;

    @Option(names = "--export-name", paramLabel = "NAME", defaultValue = "nbdcrypt",
            description = "Export name (the export also answers to the empty name). Default: ${DEFAULT-VALUE}.")
    String exportName;

    @Option(names = "--read-only", description = "Refuse writes (required for legacy LUKS1 aes-cbc-essiv:sha256 volumes).")
    boolean readOnly;

    @Option(names = "--allow-discards",
            description = "Honour NBD_CMD_TRIM (off by default: discards tell the host which blocks are free).")
    boolean allowDiscards;

    @Option(names = "--connections", paramLabel = "N", defaultValue = "16",
            description = "Maximum simultaneous client connections. Default: ${DEFAULT-VALUE}.")
    int connections;

    @Option(names = "--attach", arity = "0..1", fallbackValue = "", paramLabel = "/dev/nbdN",
            description = "Also attach the export to the kernel from this process (a free /dev/nbdN, or this one); prints the device.")
    String attach;

    @Option(names = "--attach-connections", defaultValue = "1", paramLabel = "N",
            description = "With --attach: socket pairs to the kernel. Default: ${DEFAULT-VALUE}.")
    int attachConnections;

    @Mixin
    NetlinkChoice netlink;

    /** The in-process attach asked for, or empty. */
    java.util.Optional<io.nbdcrypt.kernel.InProcessAttach.Options> attachOptions() {
        if (attach == null) {
            return java.util.Optional.empty();
        }
        java.util.OptionalInt index = attach.isEmpty() ? java.util.OptionalInt.empty()
                : java.util.OptionalInt.of(io.nbdcrypt.kernel.NbdDevices.index(Path.of(attach)));
        return java.util.Optional.of(new io.nbdcrypt.kernel.InProcessAttach.Options(index, attachConnections,
                io.nbdcrypt.kernel.InProcessAttach.Options.DEFAULT_REQUEST_TIMEOUT,
                io.nbdcrypt.kernel.InProcessAttach.Options.DEFAULT_DEAD_CONNECTION, netlink.netlink()));
    }

    @Option(names = "--handshake-timeout", paramLabel = "SECONDS", defaultValue = "5",
            description = "Drop a client that stays silent this long while negotiating (connections past the"
                    + " handshake are never cut for idling). Default: ${DEFAULT-VALUE}.")
    int handshakeTimeoutSeconds;

    @Option(names = "--max-negotiating", paramLabel = "N", defaultValue = "16",
            description = "Maximum connections still negotiating at once; a newcomer takes the slot of one"
                    + " negotiating for over a second. Default: ${DEFAULT-VALUE}.")
    int maxNegotiating;

    ServerConfig toConfig(Path defaultSocket) {
        Path s = socket != null ? socket : defaultSocket;
        if (s != null) {
            Path dir = s.toAbsolutePath().getParent();
            if (!Files.isDirectory(dir)) {
                throw new IllegalArgumentException("--socket " + s + ": directory " + dir
                        + (Files.exists(dir) ? " is not a directory" : " does not exist"));
            }
        }
        if (handshakeTimeoutSeconds < 1) {
            throw new IllegalArgumentException("--handshake-timeout must be at least 1 second, got " + handshakeTimeoutSeconds);
        }
        if (maxNegotiating < 1) {
            throw new IllegalArgumentException("--max-negotiating must be at least 1, got " + maxNegotiating);
        }
        return new ServerConfig(s, parseTcp(), connections, ServerConfig.defaultWorkers(),
                io.nbdcrypt.nbd.transmission.FlowLimits.defaults(), true, ServerConfig.DEFAULT_HANDSHAKE_TIMEOUT,
                java.time.Duration.ofSeconds(handshakeTimeoutSeconds), maxNegotiating);
    }

    private InetSocketAddress parseTcp() {
        if (tcp == null) {
            return null;
        }
        int colon = tcp.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("--tcp must be HOST:PORT, got '" + tcp + "'");
        }
        try {
            int port = Integer.parseInt(tcp.substring(colon + 1));
            return new InetSocketAddress(InetAddress.getByName(tcp.substring(0, colon)), port);
        } catch (NumberFormatException | UnknownHostException e) {
            throw new IllegalArgumentException("--tcp must be HOST:PORT, got '" + tcp + "'");
        }
    }
}
