package io.nbdcrypt.kernel;

import io.nbdcrypt.linux.Libc;
import io.nbdcrypt.linux.Sockets;
import io.nbdcrypt.nbd.backend.Export;
import io.nbdcrypt.nbd.server.NbdServer;
import io.netty.channel.Channel;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * Attaches an export of a running {@link NbdServer} to a {@code /dev/nbdN} from this process,
 * with no handshake on the wire: one {@code socketpair(AF_UNIX)} per connection, one end to the
 * kernel, the other served by the server's transmission phase. The kernel learns size, block
 * size and flags from us directly.
 *
 * <p>A crashed server never hangs the guest: the kernel's ends see end-of-file the moment this
 * process dies, I/O then fails after the dead-connection timeout, and with
 * {@code NBD_CFLAG_DISCONNECT_ON_CLOSE} the device disconnects once its last user (a mount)
 * lets go. {@link #close()} disconnects the device: the kernel sends {@code NBD_CMD_DISC},
 * which ends our connections after their in-flight requests.
 */
public final class InProcessAttach implements AutoCloseable {
    private final ConnectedDevice device;
    private final List<Channel> channels;
    private final long size;

    private InProcessAttach(ConnectedDevice device, List<Channel> channels, long size) {
        this.device = device;
        this.channels = channels;
        this.size = size;
    }

    /**
     * How to attach.
     *
     * @param device         the {@code /dev/nbdN} to use, or empty for a free one
     * @param connections    socket pairs (more than one only helps with several cores)
     * @param requestTimeout a request unanswered this long fails its connection
     * @param deadConnection how long I/O waits for a dead connection before failing
     * @param netlink        attach through netlink where the kernel has it; false: the ioctls only
     */
    public record Options(OptionalInt device, int connections, Duration requestTimeout, Duration deadConnection,
            boolean netlink) {
        public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
        public static final Duration DEFAULT_DEAD_CONNECTION = Duration.ofSeconds(5);

        public Options {
            if (connections < 1 || connections > 16) {
                throw new IllegalArgumentException("connections must be 1..16, got " + connections);
            }
        }

        public static Options defaults() {
            return new Options(OptionalInt.empty(), 1, DEFAULT_REQUEST_TIMEOUT, DEFAULT_DEAD_CONNECTION, true);
        }
    }

    /**
     * Attaches {@code export} (the server's default export) to the kernel.
     *
     * @throws NoNbdClientException when the kernel has no NBD client
     * @throws IOException          when the kernel refuses; nothing stays attached then
     */
    public static InProcessAttach attach(NbdServer server, Export export, Options o) throws IOException {
        List<Integer> kernelEnds = new ArrayList<>();
        List<Channel> channels = new ArrayList<>();
        try {
            for (int i = 0; i < o.connections(); i++) {
                Sockets.Pair pair = Sockets.socketPair();
                kernelEnds.add(pair.first());
                channels.add(server.adoptConnection(pair.second()));
            }
            int blockSize = export.device().blockSize();
            KernelNbd.Settings s = new KernelNbd.Settings(export.size(), blockSize, export.transmissionFlags(),
                    o.requestTimeout(), o.deadConnection(), true, o.netlink());
            ConnectedDevice dev = KernelNbd.connect(s, kernelEnds, o.device());
            return new InProcessAttach(dev, channels, export.size());
        } catch (IOException | RuntimeException e) {
            channels.forEach(Channel::close);
            throw e;
        } finally {
            // The kernel took its own reference to each socket; ours would keep them open past a detach.
            kernelEnds.forEach(Libc::close);
        }
    }

    public Path device() {
        return device.path();
    }

    public int index() {
        return device.index();
    }

    public long size() {
        return size;
    }

    /** "netlink" or "ioctl". */
    public String method() {
        return device.method();
    }

    public int connections() {
        return channels.size();
    }

    /** Disconnects the device and waits (bounded) for our ends of the connections to close. */
    @Override
    public void close() throws IOException {
        try {
            device.close();
        } finally {
            for (Channel ch : channels) {
                if (!ch.closeFuture().awaitUninterruptibly(10_000)) {
                    ch.close().awaitUninterruptibly(5_000);
                }
            }
        }
    }
}
