package io.nbdcrypt.cli;

import io.nbdcrypt.block.BlockDevice;
import io.nbdcrypt.block.DeviceLock;
import io.nbdcrypt.block.FileBlockDevice;
import io.nbdcrypt.luks.LuksVolumes;
import io.nbdcrypt.luks.common.HeaderLocation;
import io.nbdcrypt.luks2.Luks2Volume;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The volume a keyslot command works on (picocli mixin): {@code DEVICE} and an optional
 * detached {@code --header}, as cryptsetup takes them.
 */
final class LuksTarget {
    @Parameters(index = "0", paramLabel = "DEVICE", description = "Disk image or block device.")
    Path device;

    @Option(names = "--header", paramLabel = "FILE", description = "Detached header file.")
    Path header;

    /** The file that holds the header: the detached header, or the device itself. */
    Path headerFile() {
        return header != null ? header : device;
    }

    HeaderLocation location() {
        return HeaderLocation.detachedIf(header != null);
    }

    /**
     * Checks that the device (and the header file) name disk images or block devices; every
     * command calls this first, before asking for a passphrase.
     */
    void check() throws ExitStatus.WrongDeviceException {
        DevicePaths.check(device, "device");
        if (header != null) {
            DevicePaths.check(header, "header");
        }
    }

    /**
     * Opens the header file; when {@link #location()} is detached it doubles as the
     * (header-less) data device's header. Readers share it, writers hold it alone, for as
     * long as it is open, as cryptsetup's users expect: no keyslot changes under a running
     * {@code serve}, no dump of a header half written.
     *
     * @throws io.nbdcrypt.block.DeviceInUseException if another program holds a conflicting lock
     */
    BlockDevice openHeader(boolean readOnly) throws IOException {
        check();
        return FileBlockDevice.open(headerFile(), readOnly, readOnly ? DeviceLock.SHARED : DeviceLock.EXCLUSIVE);
    }

    /** {@code header} as the optional detached header argument of {@link LuksVolumes}. */
    Optional<BlockDevice> detachedHeader(BlockDevice header) {
        return location().isDetached() ? Optional.of(header) : Optional.empty();
    }

    /**
     * Opens a LUKS2 header for a keyslot change (written back, both copies, on each change).
     * LUKS1 is refused: it is supported read-only.
     */
    Writable openForUpdate() throws IOException, ExitStatus.UsageException {
        return openForUpdate(false);
    }

    /** {@link #openForUpdate()}, for {@code repair} without the refusal of ambiguous signatures. */
    Writable openForUpdate(boolean repair) throws IOException, ExitStatus.UsageException {
        BlockDevice dev = openHeader(false);
        try {
            if (LuksVolumes.version(dev) != 2) {
                throw new ExitStatus.UsageException("only LUKS2 volumes can be changed (this one is LUKS1)");
            }
            return new Writable(dev, repair ? Luks2Volume.openForRepair(dev, location()) : Luks2Volume.open(dev, location()));
        } catch (IOException | ExitStatus.UsageException | RuntimeException e) {
            dev.close();
            throw e;
        }
    }

    /** A {@code --key-slot} option value as the libraries take it. */
    static OptionalInt slot(Integer keySlot) {
        return keySlot == null ? OptionalInt.empty() : OptionalInt.of(keySlot);
    }

    /** An open LUKS2 header and the file under it; closing closes the file. */
    record Writable(BlockDevice file, Luks2Volume volume) implements Closeable {
        @Override
        public void close() throws IOException {
            file.close();
        }
    }
}
