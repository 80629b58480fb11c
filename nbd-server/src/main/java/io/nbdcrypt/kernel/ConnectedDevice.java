package io.nbdcrypt.kernel;

import io.nbdcrypt.linux.Libc;
import io.nbdcrypt.linux.NativeException;
import io.nbdcrypt.linux.NbdIoctl;
import io.nbdcrypt.linux.NbdNetlink;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A {@code /dev/nbdN} this process connected. {@link #close()} disconnects it (the kernel sends
 * {@code NBD_CMD_DISC} on each socket and fails any further I/O) and returns once the kernel
 * let go; it is idempotent.
 */
public final class ConnectedDevice implements AutoCloseable {
    private static final long DISCONNECT_WAIT_SECONDS = 30;

    private final int index;
    private final boolean viaNetlink;
    /** The descriptor this process holds on the device (netlink) or configured it with (ioctl). */
    private final int fd;
    /** Completes when NBD_DO_IT returns (ioctl attach only). */
    private final CompletableFuture<Void> doIt;
    private boolean closed;

    private ConnectedDevice(int index, boolean viaNetlink, int fd, CompletableFuture<Void> doIt) {
        this.index = index;
        this.viaNetlink = viaNetlink;
        this.fd = fd;
        this.doIt = doIt;
    }

    static ConnectedDevice netlink(int index, int heldFd) {
        return new ConnectedDevice(index, true, heldFd, null);
    }

    static ConnectedDevice ioctl(int index, int fd, CompletableFuture<Void> doIt) {
        return new ConnectedDevice(index, false, fd, doIt);
    }

    public int index() {
        return index;
    }

    public Path path() {
        return NbdDevices.path(index);
    }

    /** "netlink" or "ioctl": how the kernel was told. */
    public String method() {
        return viaNetlink ? "netlink" : "ioctl";
    }

    /**
     * Lets go of the device without disconnecting it (for {@code nbdcrypt attach}, whose device
     * outlives the process): closes this process's descriptor only.
     */
    public synchronized void release() {
        if (!closed) {
            closed = true;
            Libc.close(fd);
        }
    }

    /** Blocks until an ioctl-attached device is disconnected (NBD_DO_IT returned); returns at once for netlink. */
    public void awaitDisconnect() {
        if (doIt != null) {
            doIt.handle((v, e) -> null).join();
        }
    }

    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (viaNetlink) {
                Optional<NbdNetlink> nl = NbdNetlink.open();
                if (nl.isPresent()) {
                    try (NbdNetlink n = nl.get()) {
                        n.disconnect(index);
                    }
                }
            } else {
                NbdIoctl.disconnect(fd, path().toString());
                awaitDoIt();
            }
        } finally {
            Libc.close(fd);
        }
    }

    private void awaitDoIt() throws IOException {
        try {
            doIt.get(DISCONNECT_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof NativeException)) {
                throw new IOException("NBD_DO_IT on " + path() + " failed", e.getCause());
            }
            // NBD_DO_IT reports the socket errors of a disconnect; the device is down either way.
        } catch (TimeoutException e) {
            throw new IOException(path() + " still running " + DISCONNECT_WAIT_SECONDS + " s after NBD_DISCONNECT", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while " + path() + " disconnected", e);
        }
    }
}
