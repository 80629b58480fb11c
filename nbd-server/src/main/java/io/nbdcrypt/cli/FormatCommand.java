package io.nbdcrypt.cli;

import io.nbdcrypt.block.BlockDevice;
import io.nbdcrypt.block.FileBlockDevice;
import io.nbdcrypt.crypto.Passphrase;
import io.nbdcrypt.crypto.kdf.KdfParameters;
import io.nbdcrypt.luks.common.HeaderLocation;
import io.nbdcrypt.luks2.FormatOptions;
import io.nbdcrypt.luks2.Luks2Formatter;
import io.nbdcrypt.luks2.segment.CipherSpec;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.nio.file.Files;
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

    @Option(names = {"-q", "--batch-mode"}, description = "Do not ask for confirmation.")
    boolean batch;

    Passphrases passphrases = Passphrases.system();

    /** Errors go to {@link ErrorReporter}, which maps them to exit statuses. */
    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        if (!type.equals("luks2")) {
            throw new ExitStatus.UsageException("--type " + type + ": only luks2 volumes can be created");
        }
        try {
            CipherSpec.parse(cipher, "--cipher");
        } catch (io.nbdcrypt.luks.common.LuksFormatException e) {
            throw new ExitStatus.UsageException(e.getMessage());
        }
        if (keySize != 256 && keySize != 512) {
            throw new ExitStatus.UsageException("--key-size must be 256 or 512");
        }
        if (!Files.exists(device)) {
            throw new ExitStatus.UsageException("device " + device + " does not exist");
        }
        if (!batch && passphrases.interactive()) {
            String answer = System.console().readLine("WARNING: this overwrites data on %s irrevocably.%nAre you sure? (Type 'yes' in capital letters): ",
                    header != null ? header : device);
            if (!"YES".equals(answer)) {
                err.println("nbdcrypt format: not confirmed, nothing written");
                return ExitStatus.DECLINED;
            }
        }
        FormatOptions o = options();
        try (Passphrase pass = passphrases.read(keyFile, "Enter passphrase for " + device + ": ", true)) {
            if (header != null) {
                long need = 2 * o.metadataSize() + o.keyslotsSize().orElse(FormatOptions.DEFAULT_DATA_OFFSET - 2 * o.metadataSize());
                grow(header, need);
            }
            try (BlockDevice dev = FileBlockDevice.open(header != null ? header : device, false)) {
                Luks2Formatter.format(dev, HeaderLocation.detachedIf(header != null), o, pass, new SecureRandom()).volumeKey().close();
            }
        }
        return ExitStatus.OK;
    }

    private FormatOptions options() throws ExitStatus.UsageException {
        KdfParameters params = kdf.parameters(keySize / 8);
        long meta = metadataSize == null ? FormatOptions.DEFAULT_METADATA_SIZE : Sizes.parse(metadataSize, "--luks2-metadata-size");
        OptionalLong keyslots = keyslotsSize == null ? OptionalLong.empty()
                : OptionalLong.of(Sizes.parse(keyslotsSize, "--luks2-keyslots-size"));
        OptionalLong offset = offsetSectors == null ? OptionalLong.empty() : OptionalLong.of(offsetSectors * 512);
        return new FormatOptions(keySize / 8, sectorSize, meta, keyslots, offset, params,
                kdf.digestIterations(keySize / 8), kdf.hashAlgorithm(), cipher, label, subsystem,
                Optional.ofNullable(uuid), OptionalInt.empty());
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
