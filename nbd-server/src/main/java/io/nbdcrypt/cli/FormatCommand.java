package io.nbdcrypt.cli;

import io.nbdcrypt.block.BlockDevice;
import io.nbdcrypt.block.DeviceLock;
import io.nbdcrypt.block.FileBlockDevice;
import io.nbdcrypt.crypto.Passphrase;
import io.nbdcrypt.crypto.kdf.HashAlgorithm;
import io.nbdcrypt.crypto.kdf.KdfBenchmark;
import io.nbdcrypt.crypto.kdf.KdfParameters;
import io.nbdcrypt.luks.common.HeaderLocation;
import io.nbdcrypt.luks.common.LuksException;
import io.nbdcrypt.luks.common.SectorSize;
import io.nbdcrypt.luks2.FormatOptions;
import io.nbdcrypt.luks2.Luks2Formatter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code nbdcrypt format}: a new LUKS2 volume, laid out as {@code cryptsetup luksFormat} does. */
@Command(name = "format", mixinStandardHelpOptions = true,
        description = "Create a LUKS2 volume on DEVICE (an image file or block device) with a fresh random volume key.",
        footer = ExitStatus.HELP_FOOTER)
final class FormatCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DEVICE", description = "Data device or image file (must exist).")
    Path device;

    @Option(names = {"-d", "--key-file"}, paramLabel = "FILE", description = "Passphrase file (- for stdin).")
    Path keyFile;

    @Option(names = "--type", defaultValue = "luks2", description = "Only luks2 can be created.")
    String type;

    @Option(names = {"-c", "--cipher"}, defaultValue = "aes-xts-plain64", description = "aes-xts-plain64 (default) or aes-xts-plain.")
    String cipher;

    @Option(names = {"-s", "--key-size"}, defaultValue = "512", paramLabel = "BITS", description = "256 or 512 (default).")
    int keySize;

    @Option(names = "--sector-size", defaultValue = "4096", paramLabel = "BYTES", description = "512, 1024, 2048 or 4096 (default).")
    int sectorSize;

    @Mixin
    KdfOptions kdf;

    @Option(names = "--header", paramLabel = "FILE", description = "Detached header file (created or grown as needed); data starts at 0.")
    Path header;

    @Option(names = "--offset", paramLabel = "SECTORS", description = "Data offset in 512-byte sectors.")
    Long offsetSectors;

    @Option(names = "--luks2-metadata-size", paramLabel = "BYTES", description = "Header copy size: 16k..4m, power of two (default 16k).")
    String metadataSize;

    @Option(names = "--luks2-keyslots-size", paramLabel = "BYTES", description = "Keyslots area size (default: up to 16 MiB).")
    String keyslotsSize;

    @Option(names = "--label", defaultValue = "", description = "Label (up to 47 characters).")
    String label;

    @Option(names = "--subsystem", defaultValue = "", description = "Subsystem (up to 47 characters).")
    String subsystem;

    @Option(names = "--uuid", description = "Volume UUID (default: random).")
    UUID uuid;

    @Mixin
    BatchMode batch;

    Passphrases passphrases = Passphrases.system();
    Confirmations confirmations = Confirmations.system();

    /** Stands in for the keyslot KDF while the other options are checked (it is never written). */
    private static final KdfParameters UNBENCHMARKED = new KdfParameters.Pbkdf2(HashAlgorithm.SHA256,
            KdfBenchmark.PBKDF2_MIN_ITERATIONS);

    /**
     * Everything that can be wrong with the arguments or the device is reported before the
     * passphrase is asked for and before the KDF benchmark runs. Errors go to
     * {@link ErrorReporter}, which maps them to exit statuses.
     */
    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        FormatOptions checked = checkedOptions();
        DevicePaths.check(device, "device");
        if (header != null && Files.isDirectory(header)) {
            throw new ExitStatus.WrongDeviceException("header " + header + " is a directory, not a header file");
        }
        HeaderLocation location = HeaderLocation.detachedIf(header != null);
        Luks2Formatter.Layout layout = Luks2Formatter.Layout.of(location, checked.metadataSize(), checked.keyslotsSize(),
                checked.dataOffset(), checked.keyBytes());
        Path headerDevice = header != null ? header : device;
        // A detached header file is created or grown to fit; a data device must already be big enough.
        long size = header != null ? Math.max(layout.metadataEnd(), fileSize(header)) : fileSize(device);
        try {
            layout.checkFits(size);
        } catch (LuksException e) {
            throw new LuksException(headerDevice + ": " + e.getMessage());
        }
        // A data device is locked before anything is asked; a header file once it exists.
        BlockDevice dev = header == null ? openExclusively(device) : null;
        try {
            if (!confirmations.confirm("This will overwrite data on " + headerDevice + " irrevocably.", batch.batch)) {
                err.println("nbdcrypt format: Operation aborted.");
                return ExitStatus.WRONG_PARAMETERS;
            }
            if (dev == null) {
                grow(header, layout.metadataEnd());
                dev = openExclusively(header);
            }
            try (Passphrase pass = passphrases.read(keyFile, "Enter passphrase for " + device + ": ", true)) {
                FormatOptions o = checked.withKdf(kdf.parameters(keySize / 8), kdf.digestIterations(keySize / 8));
                Luks2Formatter.format(dev, location, o, pass, new SecureRandom()).volumeKey().close();
            }
        } finally {
            if (dev != null) {
                dev.close();
            }
        }
        return ExitStatus.OK;
    }

    /**
     * The options, all checked, with the KDF still to be benchmarked: {@link #UNBENCHMARKED}
     * stands in until {@link FormatOptions#withKdf} replaces it.
     */
    private FormatOptions checkedOptions() throws ExitStatus.UsageException {
        if (!type.equals("luks2")) {
            throw new ExitStatus.UsageException("--type " + type + ": only luks2 volumes can be created");
        }
        if (keySize != 256 && keySize != 512) {
            throw new ExitStatus.UsageException("--key-size must be 256 or 512");
        }
        if (!SectorSize.isValid(sectorSize)) {
            throw new ExitStatus.UsageException("--sector-size must be " + SectorSize.allowed() + ", not " + sectorSize);
        }
        kdf.validate();
        long meta = metadataSize == null ? FormatOptions.DEFAULT_METADATA_SIZE : Sizes.parse(metadataSize, "--luks2-metadata-size");
        OptionalLong keyslots = keyslotsSize == null ? OptionalLong.empty()
                : OptionalLong.of(Sizes.parse(keyslotsSize, "--luks2-keyslots-size"));
        OptionalLong offset = offsetSectors == null ? OptionalLong.empty() : OptionalLong.of(offsetSectors * 512);
        return new FormatOptions(keySize / 8, sectorSize, meta, keyslots, offset, UNBENCHMARKED,
                KdfBenchmark.PBKDF2_MIN_ITERATIONS, kdf.hashAlgorithm(), cipher, label, subsystem,
                Optional.ofNullable(uuid), OptionalInt.empty());
    }

    /** @throws io.nbdcrypt.block.DeviceInUseException if a server or another command has it open */
    private static BlockDevice openExclusively(Path p) throws IOException {
        return FileBlockDevice.open(p, false, DeviceLock.EXCLUSIVE);
    }

    private static long fileSize(Path p) throws IOException {
        try (BlockDevice d = FileBlockDevice.open(p, true)) {
            return d.size();
        } catch (NoSuchFileException e) {
            return 0;
        }
    }

    /** Creates or extends a detached header file to {@code size} bytes (sparse). */
    private static void grow(Path file, long size) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            if (f.length() < size) {
                f.setLength(size);
            }
        }
    }
}
