package io.nbdcrypt.provision;

import io.nbdcrypt.block.DeviceInUseException;
import io.nbdcrypt.block.DeviceLock;
import io.nbdcrypt.block.FileBlockDevice;
import io.nbdcrypt.linux.Mounts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The refusals that come before anything is written: a mount point that is a file or already
 * a mount, a device that is missing, mounted (itself or a partition), held by device-mapper or
 * another program, or too small. Each is a {@link ProvisionRefusedException} naming the path.
 */
final class InputChecks {
    /** Below this an ext4 with a journal hardly fits, and nobody means it for image layers. */
    static final long MIN_DEVICE_SIZE = 16L << 20;
    private static final Path SYS_DEV_BLOCK = Path.of("/sys/dev/block");

    private InputChecks() {}

    /** Refuses a mount point that exists and is not a directory, or is already mounted; creates a missing one. */
    static void mountPoint(Path mountPoint) throws IOException {
        if (Files.exists(mountPoint) && !Files.isDirectory(mountPoint)) {
            throw new ProvisionRefusedException("mount point " + mountPoint + " exists and is not a directory");
        }
        var mounted = Mounts.at(mountPoint);
        if (mounted.isPresent()) {
            throw new ProvisionRefusedException("mount point " + mountPoint + " is already in use: "
                    + mounted.get().source() + " (" + mounted.get().fsType() + ") is mounted there");
        }
    }

    /**
     * Opens {@code device} read-write with an exclusive lock (O_EXCL on a block device), after
     * checking it is not mounted or mapped, and that it is large enough.
     */
    static FileBlockDevice openDevice(Path device) throws IOException {
        if (!Files.exists(device)) {
            throw new NoSuchFileException(device.toString());
        }
        if (Files.isDirectory(device)) {
            throw new ProvisionRefusedException("device " + device + " is a directory");
        }
        if (!Files.isRegularFile(device)) {
            refuseIfBusy(device);
        }
        FileBlockDevice dev;
        try {
            dev = FileBlockDevice.open(device, false, DeviceLock.EXCLUSIVE);
        } catch (DeviceInUseException e) {
            throw new ProvisionRefusedException(e.getMessage(), e);
        }
        if (dev.size() < MIN_DEVICE_SIZE) {
            long size = dev.size();
            dev.close();
            throw new ProvisionRefusedException("device " + device + " is too small: " + size + " bytes, provisioning needs"
                    + " at least " + MIN_DEVICE_SIZE + " (16 MiB)");
        }
        return dev;
    }

    /**
     * {@code exclusive} closed and the device opened again with a shared lock only, for a
     * backend whose kernel side claims the device itself ({@link Backend#claimsRawDevice()}):
     * from then on that claim keeps other programs out, and another nbdcrypt still meets the lock.
     */
    static FileBlockDevice withoutClaim(Path device, FileBlockDevice exclusive) throws IOException {
        exclusive.close();
        try {
            return FileBlockDevice.open(device, false, DeviceLock.SHARED);
        } catch (DeviceInUseException e) {
            throw new ProvisionRefusedException(e.getMessage(), e);
        }
    }

    /** A mounted device or partition, or one device-mapper holds, named before O_EXCL gives a bare EBUSY. */
    private static void refuseIfBusy(Path device) throws IOException {
        long rdev = (Long) Files.getAttribute(device, "unix:rdev");
        int major = (int) (((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL));
        int minor = (int) ((rdev & 0xff) | ((rdev >>> 12) & ~0xffL));
        List<String> uses = new ArrayList<>();
        for (Mounts.Mount m : Mounts.ofDevice(major, minor)) {
            uses.add("mounted at " + m.mountPoint());
        }
        Path sys = SYS_DEV_BLOCK.resolve(major + ":" + minor);
        for (Path part : children(sys, p -> Files.exists(p.resolve("partition")))) {
            int[] mm = majorMinor(part);
            if (mm != null) {
                for (Mounts.Mount m : Mounts.ofDevice(mm[0], mm[1])) {
                    uses.add("partition " + part.getFileName() + " mounted at " + m.mountPoint());
                }
            }
        }
        for (Path holder : children(sys.resolve("holders"), p -> true)) {
            uses.add("held by " + holder.getFileName() + " (device-mapper or md)");
        }
        if (!uses.isEmpty()) {
            throw new ProvisionRefusedException("device " + device + " is in use: " + String.join(", ", uses));
        }
    }

    private static List<Path> children(Path dir, java.util.function.Predicate<Path> keep) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(keep).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static int[] majorMinor(Path sysDevice) {
        try {
            String[] mm = Files.readString(sysDevice.resolve("dev")).trim().split(":");
            return new int[] {Integer.parseInt(mm[0]), Integer.parseInt(mm[1])};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
