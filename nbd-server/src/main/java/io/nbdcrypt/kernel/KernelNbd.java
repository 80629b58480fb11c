package io.nbdcrypt.kernel;

import io.nbdcrypt.linux.Errno;
import io.nbdcrypt.linux.Libc;
import io.nbdcrypt.linux.NativeException;
import io.nbdcrypt.linux.NbdIoctl;
import io.nbdcrypt.linux.NbdNetlink;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Hands connected sockets to the kernel's NBD client: through the generic-netlink family
 * {@code nbd} where the kernel has it (the kernel picks a free device when none is asked for),
 * else through the ioctls on a {@code /dev/nbdN}, with {@code NBD_DO_IT} blocking on a thread of
 * its own. If neither exists, {@code modprobe nbd} is tried once; then a
 * {@link NoNbdClientException} names the dm-crypt backend.
 */
public final class KernelNbd {
    private static final Logger LOG = Logger.getLogger(KernelNbd.class.getName());
    private static final long DEVICE_READY_MILLIS = 10_000;

    private KernelNbd() {}

    /**
     * What the kernel is told about the export and how to behave.
     *
     * @param sizeBytes         the export's size (a multiple of {@code blockSize})
     * @param blockSize         logical block size: the volume's sector size
     * @param serverFlags       NBD transmission flags of the export
     * @param requestTimeout    a request unanswered this long fails its connection (zero: never)
     * @param deadConnection    how long I/O waits for a dead connection to come back before it fails
     * @param disconnectOnClose the device disconnects when its last opener closes it (netlink
     *                          only; the ioctl attach ends with this process in any case)
     * @param netlink           use the netlink family where it exists; false: the ioctls only
     *                          (as {@code nbd-client -nonetlink}, for kernels or policies where
     *                          generic netlink is unwanted, and to test the fallback)
     */
    public record Settings(long sizeBytes, int blockSize, int serverFlags, Duration requestTimeout,
            Duration deadConnection, boolean disconnectOnClose, boolean netlink) {}

    /**
     * Connects {@code sockets} (transmission phase already, one per connection) to
     * {@code /dev/nbd<index>}, or to a free device.
     *
     * @throws NoNbdClientException when this kernel has no NBD client at all
     * @throws IOException          when the kernel refuses (device busy, bad size, no permission)
     */
    public static ConnectedDevice connect(Settings s, List<Integer> sockets, OptionalInt index) throws IOException {
        Optional<NbdNetlink> netlink = nbdFamily();
        if (netlink.isPresent() && !s.netlink()) {
            netlink.get().close();   // the module is loaded now, so the /dev/nbd* exist
            netlink = Optional.empty();
        }
        if (netlink.isPresent()) {
            try (NbdNetlink nl = netlink.get()) {
                long flags = s.disconnectOnClose() ? NbdNetlink.CFLAG_DISCONNECT_ON_CLOSE : 0;
                int n = nl.connect(new NbdNetlink.ConnectRequest(index, s.sizeBytes(), s.blockSize(), s.serverFlags(),
                        sockets, s.requestTimeout().toSeconds(), s.deadConnection().toSeconds(), flags));
                return ConnectedDevice.netlink(n, holdOpen(NbdDevices.path(n)));
            }
        }
        if (!NbdDevices.anyDevice()) {
            throw new NoNbdClientException("no generic netlink family 'nbd' and no /dev/nbd*, even after modprobe nbd");
        }
        return connectIoctl(s, sockets, index);
    }

    /**
     * Whether this kernel has an NBD client: the netlink family {@code nbd} or a
     * {@code /dev/nbd*}, after one {@code modprobe nbd} if neither is there. What
     * {@code provision --backend auto} asks before it picks a backend.
     */
    public static boolean hasClient() {
        try {
            Optional<NbdNetlink> nl = nbdFamily();
            if (nl.isPresent()) {
                nl.get().close();
                return true;
            }
        } catch (IOException e) {
            // no generic netlink here: only the ioctl devices could still serve
        }
        return NbdDevices.anyDevice();
    }

    /** The nbd netlink family, loading the module once if it is missing. */
    private static Optional<NbdNetlink> nbdFamily() throws IOException {
        Optional<NbdNetlink> nl = NbdNetlink.open();
        if (nl.isEmpty() && modprobe()) {
            nl = NbdNetlink.open();
        }
        return nl;
    }

    private static boolean modprobe() {
        for (String tool : List.of("/sbin/modprobe", "/usr/sbin/modprobe", "/bin/modprobe")) {
            if (Files.isExecutable(Path.of(tool))) {
                try {
                    Process p = new ProcessBuilder(tool, "-q", "nbd").redirectErrorStream(true)
                            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                    return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
                } catch (IOException e) {
                    return false;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return false;
    }

    /**
     * The device opened by this process, so that a file system tool's close is never the last
     * one (with disconnect-on-close it would disconnect the device) while we serve it; when the
     * process dies, the kernel closes it and the device disconnects once nothing else uses it.
     */
    private static int holdOpen(Path device) throws NativeException {
        return Libc.open(device, Libc.O_RDONLY);
    }

    private static ConnectedDevice connectIoctl(Settings s, List<Integer> sockets, OptionalInt index) throws IOException {
        int n = index.isPresent() ? index.getAsInt() : NbdDevices.firstFree()
                .orElseThrow(() -> new IOException("no free /dev/nbdN for the ioctl attach (all are connected)"));
        Path dev = NbdDevices.path(n);
        int fd = Libc.open(dev, Libc.O_RDWR);
        try {
            NbdIoctl.configure(fd, dev.toString(), s.blockSize(), s.sizeBytes(), s.serverFlags(),
                    s.requestTimeout().toSeconds(), sockets);
        } catch (NativeException e) {
            Libc.close(fd);
            if (e.errno() == Errno.EBUSY) {
                throw new IOException(dev + " is in use (connected, or being set up by another program)", e);
            }
            throw e;
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                NbdIoctl.doIt(fd, dev.toString());
                done.complete(null);
            } catch (NativeException e) {
                done.completeExceptionally(e);
            } finally {
                try {
                    NbdIoctl.clearSock(fd, dev.toString());
                } catch (NativeException e) {
                    LOG.fine(() -> "NBD_CLEAR_SOCK " + dev + ": " + e.getMessage());
                }
            }
        }, "nbd-do-it-" + n);
        t.setDaemon(true);
        t.start();
        awaitReady(n, done);
        return ConnectedDevice.ioctl(n, fd, done);
    }

    /** NBD_DO_IT sets the size once the device runs; wait for that, or for it to fail. */
    private static void awaitReady(int index, CompletableFuture<Void> done) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DEVICE_READY_MILLIS);
        while (NbdDevices.sizeSectors(index) <= 0 || !NbdDevices.isConnected(index)) {
            if (done.isDone()) {
                try {
                    done.join();
                } catch (RuntimeException e) {
                    throw new IOException("NBD_DO_IT on /dev/nbd" + index + " failed: " + e.getCause().getMessage(), e);
                }
                throw new IOException("NBD_DO_IT on /dev/nbd" + index + " returned before the device started");
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("/dev/nbd" + index + " did not start within " + DEVICE_READY_MILLIS + " ms");
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while /dev/nbd" + index + " started", e);
            }
        }
    }

    /**
     * Disconnects {@code /dev/nbd<index>}, whoever connected it (for {@code nbdcrypt detach}):
     * through netlink, or {@code NBD_DISCONNECT} + {@code NBD_CLEAR_SOCK} on the device.
     */
    public static void disconnect(int index) throws IOException {
        if (!NbdDevices.isConnected(index)) {
            throw new IOException(NbdDevices.path(index) + " is not connected");
        }
        Optional<NbdNetlink> netlink = NbdNetlink.open();
        if (netlink.isPresent()) {
            try (NbdNetlink nl = netlink.get()) {
                nl.disconnect(index);
                return;
            }
        }
        Path dev = NbdDevices.path(index);
        int fd = Libc.open(dev, Libc.O_RDWR);
        try {
            NbdIoctl.disconnect(fd, dev.toString());
            NbdIoctl.clearSock(fd, dev.toString());
        } finally {
            Libc.close(fd);
        }
    }
}
