package io.nbdcrypt.cli;

import io.nbdcrypt.kernel.ClientHandshake;
import io.nbdcrypt.kernel.ConnectedDevice;
import io.nbdcrypt.kernel.KernelNbd;
import io.nbdcrypt.kernel.NbdDevices;
import io.nbdcrypt.linux.Libc;
import io.nbdcrypt.linux.Sockets;
import io.nbdcrypt.provision.AttachOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code nbdcrypt attach --socket PATH}: the kernel NBD client on a server that already runs,
 * without the nbd-client binary: handshake here, then hand the socket to the kernel.
 */
@Command(name = "attach", mixinStandardHelpOptions = true,
        description = {"Attach the export of a running NBD server (a unix socket) to /dev/nbdN without nbd-client:",
                "negotiates, hands the socket to the kernel (netlink, or ioctls) and prints the device.",
                "The device stays until 'nbdcrypt detach /dev/nbdN' (or the server goes away)."})
public final class AttachCommand implements Callable<Integer> {
    @Option(names = "--socket", required = true, paramLabel = "PATH", description = "The server's unix socket.")
    Path socket;

    @Option(names = "--device", paramLabel = "/dev/nbdN", description = "Use this device (default: a free one).")
    Path device;

    @Option(names = "--export-name", defaultValue = "", paramLabel = "NAME", description = "Export to attach (default: the server's default).")
    String exportName;

    @Option(names = "--block-size", paramLabel = "BYTES",
            description = "Logical block size (default: what the server prefers, else 4096). Use the volume's sector size.")
    Integer blockSize;

    @Option(names = "--timeout", defaultValue = "30", paramLabel = "SECONDS", description = "Request timeout. Default: ${DEFAULT-VALUE}.")
    long timeout;

    @Mixin
    NetlinkChoice netlink;

    @Override
    public Integer call() throws Exception {
        OptionalInt index = device == null ? OptionalInt.empty() : OptionalInt.of(NbdDevices.index(device));
        int fd = Sockets.connectUnix(socket);
        try {
            ClientHandshake.Negotiated n = ClientHandshake.negotiate(fd, exportName, socket.toString());
            int bs = blockSize != null ? blockSize : n.blockSize() >= 512 && n.blockSize() <= 4096 ? n.blockSize() : 4096;
            KernelNbd.Settings s = new KernelNbd.Settings(n.size() / bs * bs, bs, n.flags(), Duration.ofSeconds(timeout),
                    AttachOptions.DEFAULT_DEAD_CONNECTION, false, netlink.netlink());
            ConnectedDevice dev = KernelNbd.connect(s, java.util.List.of(fd), index);
            // Netlink: the kernel holds the socket now; the device outlives this process. The ioctl
            // attach serves only while NBD_DO_IT runs, so this process stays until it is detached.
            System.out.println(dev.path());
            System.out.flush();
            if (dev.method().equals("ioctl")) {
                dev.awaitDisconnect();
            }
            dev.release();
            return ExitStatus.OK;
        } finally {
            Libc.close(fd);
        }
    }
}
