package io.nbdcrypt.provision;

import io.nbdcrypt.block.FileBlockDevice;
import io.nbdcrypt.linux.Errno;
import io.nbdcrypt.linux.Mounts;
import io.nbdcrypt.linux.NativeException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A provisioned volume: mounted, attached, its key in this process only. {@link #destroy()}
 * undoes everything in reverse (unmount, detach, wipe the key, discard the raw disk) and says
 * what it did; it runs once, whoever calls it first (a signal, {@code nbdcrypt destroy}, the
 * agent), and later calls get the same report.
 */
public final class Provisioned implements AutoCloseable {
    private static final long UNMOUNT_RETRY_MILLIS = 5_000;

    private final Path raw;
    private final FileBlockDevice rawDevice;
    private final EphemeralVolume volume;
    private final Attachment attachment;
    private final Path mountPoint;
    private final String fsType;
    private final CompletableFuture<DestroyReport> destroyed = new CompletableFuture<>();
    private boolean destroying;

    Provisioned(Path raw, FileBlockDevice rawDevice, EphemeralVolume volume, Attachment attachment, Path mountPoint,
            String fsType) {
        this.raw = raw;
        this.rawDevice = rawDevice;
        this.volume = volume;
        this.attachment = attachment;
        this.mountPoint = mountPoint;
        this.fsType = fsType;
    }

    public Path device() {
        return attachment.device();
    }

    public Path mountPoint() {
        return mountPoint;
    }

    public Path raw() {
        return raw;
    }

    public long size() {
        return attachment.size();
    }

    public String fsType() {
        return fsType;
    }

    /** How it is attached, e.g. {@code "nbd via netlink, 1 connection"}. */
    public String detail() {
        return attachment.detail();
    }

    public Optional<Path> headerFile() {
        return volume.headerFile();
    }

    /** Whether the volume is authenticated (AES-GCM under a hash tree) rather than XTS. */
    public boolean authenticated() {
        return volume.header().header().dataSegment().authenticated().isPresent();
    }

    /** Completes with the report once destroyed (by anyone). */
    public CompletableFuture<DestroyReport> whenDestroyed() {
        return destroyed;
    }

    /** Unmount, detach, wipe, discard; each step runs even if an earlier one failed. */
    public DestroyReport destroy() {
        synchronized (this) {
            if (destroying) {
                return destroyed.join();
            }
            destroying = true;
        }
        List<String> errors = new ArrayList<>();
        String unmount = step(errors, "unmount", this::unmount);
        String detach = step(errors, "detach", () -> {
            attachment.close();
            return "detached " + attachment.device();
        });
        String key = step(errors, "wipe key", () -> {
            volume.close(); // already wiped right after the attach; the backend's copy went with the detach
            return "wiped";
        });
        String discard = step(errors, "discard", () -> RawDiscard.discard(raw, rawDevice));
        step(errors, "close " + raw, () -> {
            rawDevice.close();
            return "closed";
        });
        DestroyReport r = new DestroyReport(mountPoint, attachment.device(), raw, unmount, detach, key, discard,
                List.copyOf(errors));
        destroyed.complete(r);
        return r;
    }

    @Override
    public void close() {
        destroy();
    }

    private String unmount() throws IOException {
        if (Mounts.at(mountPoint).isEmpty()) {
            return "was not mounted";
        }
        long deadline = System.currentTimeMillis() + UNMOUNT_RETRY_MILLIS;
        while (true) {
            try {
                Mounts.unmount(mountPoint, 0);
                return "unmounted";
            } catch (NativeException e) {
                if (e.errno() != Errno.EBUSY) {
                    throw e;
                }
                if (System.currentTimeMillis() > deadline) {
                    // Files still open there: detach the mount now; the device goes when they close.
                    Mounts.unmount(mountPoint, Mounts.MNT_DETACH);
                    return "lazily unmounted (files were still open there)";
                }
                sleep(100);
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @FunctionalInterface
    private interface Step {
        String run() throws IOException;
    }

    private static String step(List<String> errors, String name, Step s) {
        try {
            return s.run();
        } catch (IOException | RuntimeException e) {
            String msg = name + ": " + e.getMessage();
            errors.add(msg);
            return "failed: " + e.getMessage();
        }
    }
}
