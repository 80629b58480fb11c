package io.nbdcrypt.cli;

import io.nbdcrypt.block.BlockDevice;
import io.nbdcrypt.block.DeviceLock;
import io.nbdcrypt.block.FileBlockDevice;
import io.nbdcrypt.crypto.Passphrase;
import io.nbdcrypt.crypto.SecretBytes;
import io.nbdcrypt.crypto.kdf.HashAlgorithm;
import io.nbdcrypt.crypto.kdf.KdfParameters;
import io.nbdcrypt.luks.common.HeaderLocation;
import io.nbdcrypt.luks2.FormatOptions;
import io.nbdcrypt.luks2.Luks2Formatter;
import io.nbdcrypt.nbd.server.ServerConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code nbdcrypt demo [IMAGE]}: the main job in one command. Creates a sparse image, formats
 * it with a fresh random key, and serves it, printing the URI.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Create a sparse image, format it with a fresh random key, and serve it over NBD.",
                "The random passphrase goes to IMAGE.key (mode 0600) beside the image; the default names are"
                        + " covered by the repository's .gitignore.",
                "An existing IMAGE with its IMAGE.key (from an earlier demo) is served again as it is; an existing"
                        + " IMAGE without IMAGE.key is refused and left untouched (demo never overwrites; serve it with"
                        + " nbdcrypt serve).",
                "Prints nbd+unix:///?socket=PATH on stdout once listening; stop with SIGTERM/SIGINT."},
        footer = ExitStatus.HELP_FOOTER)
public final class DemoCommand implements Callable<Integer> {
    private static final int SECTOR_SIZE = 4096;

    @Parameters(index = "0", arity = "0..1", paramLabel = "IMAGE", defaultValue = "nbdcrypt-demo.img",
            description = "Image file to create, or one an earlier demo made. Default: ${DEFAULT-VALUE}.")
    Path image;

    @Option(names = "--size", paramLabel = "SIZE", defaultValue = "1G",
            description = "Image size, e.g. 512M, 1G. Default: ${DEFAULT-VALUE}.")
    String size;

    @Mixin ServeOptions serve;

    @Override
    public Integer call() throws Exception {
        long bytes = Sizes.parse(size, "--size");
        Path defaultSocket = image.toAbsolutePath().resolveSibling(image.getFileName() + ".sock");
        ServerConfig config = serve.toConfig(defaultSocket);
        if (bytes % SECTOR_SIZE != 0 || bytes <= FormatOptions.DEFAULT_DATA_OFFSET) {
            throw new IllegalArgumentException("--size must be a multiple of " + SECTOR_SIZE
                    + " bytes above the 16 MiB LUKS2 header area");
        }
        OpenedVolume volume;
        Path keyFile = keyFileOf(image);
        if (Files.exists(image) && Files.exists(keyFile)) {
            // A second run serves what the first one made (same image, same passphrase).
            System.err.println("serving the existing " + image + " (passphrase in " + keyFile + ")");
            try (Passphrase passphrase = Passphrases.system().read(keyFile, null, false)) {
                volume = new LuksVolumeOpener().open(new VolumeSource(image, null, false), passphrase);
            }
        } else if (Files.exists(image)) {
            throw new FileAlreadyExistsException(image.toString(), null, "exists but " + keyFile
                    + " does not; demo will not overwrite it (use serve for an existing volume)");
        } else {
            try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
                f.setLength(bytes);
            }
            volume = formatFresh(image, bytes, System.err);
        }
        return ServeLoop.run(volume, serve, config, System.out);
    }

    /**
     * Formats the new image as LUKS2 (cryptsetup's defaults: aes-xts-plain64, 512-bit key,
     * 4096-byte sectors, 16 MiB data offset) with a fresh random volume key, unlocked by a
     * fresh random 256-bit passphrase written to {@code IMAGE.key} (mode 0600), and opens it.
     * The passphrase has full key entropy, so the keyslot KDF adds nothing against guessing:
     * PBKDF2 at cryptsetup's minimum of 1000 iterations keeps start-up instant.
     */
    static OpenedVolume formatFresh(Path image, long size, PrintStream out) throws IOException {
        Path keyFile = keyFileOf(image);
        byte[] passphraseBytes = new byte[32];
        SecureRandom random = new SecureRandom();
        random.nextBytes(passphraseBytes);
        byte[] hex = HexFormat.of().formatHex(passphraseBytes).getBytes(StandardCharsets.US_ASCII);
        SecretBytes.wipe(passphraseBytes);
        try (Passphrase passphrase = Passphrase.takeOwnership(hex)) {
            // Created 0600 from the start: there is no moment when others may read it.
            Files.write(Files.createFile(keyFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))),
                    hex);
            FormatOptions options = FormatOptions.defaults(new KdfParameters.Pbkdf2(HashAlgorithm.SHA256, 1000));
            try (BlockDevice dev = FileBlockDevice.open(image, false, DeviceLock.EXCLUSIVE)) {
                Luks2Formatter.format(dev, HeaderLocation.ON_DATA_DEVICE, options, passphrase, random).volumeKey().close();
            }
            out.println("formatted " + image + " as LUKS2 (" + size + " bytes); passphrase in " + keyFile
                    + " (cryptsetup open --key-file " + keyFile + " " + image + " NAME opens it too)");
            return new LuksVolumeOpener().open(new VolumeSource(image, null, false), passphrase);
        }
    }

    /** Where demo keeps an image's passphrase: beside it, as {@code IMAGE.key}. */
    static Path keyFileOf(Path image) {
        return image.resolveSibling(image.getFileName() + ".key");
    }
}
