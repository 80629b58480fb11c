package io.nbdcrypt.cli;

import io.nbdcrypt.block.EncryptedVolume;
import io.nbdcrypt.block.FileBlockDevice;
import io.nbdcrypt.crypto.SecretBytes;
import io.nbdcrypt.xts.IvMode;
import io.nbdcrypt.xts.IvRule;
import io.nbdcrypt.xts.SectorCipher;
import io.nbdcrypt.xts.XtsCipher;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
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
                "Prints nbd+unix:///?socket=PATH on stdout once listening; stop with SIGTERM/SIGINT."})
public final class DemoCommand implements Callable<Integer> {
    private static final int SECTOR_SIZE = 4096;

    @Parameters(index = "0", arity = "0..1", paramLabel = "IMAGE", defaultValue = "nbdcrypt-demo.img",
            description = "Image file to create (must not exist). Default: ${DEFAULT-VALUE}.")
    Path image;

    @Option(names = "--size", paramLabel = "SIZE", defaultValue = "1G",
            description = "Image size, e.g. 512M, 1G. Default: ${DEFAULT-VALUE}.")
    String size;

    @Mixin ServeOptions serve;

    @Override
    public Integer call() throws Exception {
        long bytes = Sizes.parse(size, "--size");
        if (bytes % SECTOR_SIZE != 0 || bytes == 0) {
            throw new IllegalArgumentException("--size must be a positive multiple of " + SECTOR_SIZE + " bytes");
        }
        if (Files.exists(image)) {
            throw new IOException(image + " already exists; demo creates a fresh image (use serve for an existing one)");
        }
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(bytes);
        }
        OpenedVolume volume = formatFresh(image, bytes);
        Path defaultSocket = image.toAbsolutePath().resolveSibling(image.getFileName() + ".sock");
        return ServeLoop.run(volume, serve, serve.toConfig(defaultSocket), System.out);
    }

    /**
     * Formats the new image with a fresh random volume key and opens it. In this build the key
     * lives only in memory (aes-xts-plain64, 512-bit key, 4096-byte sectors, data from offset 0):
     * the data is unreadable once the process exits, which is what ephemeral scratch storage
     * wants. The merge with luks2-format replaces this one method with "write a LUKS2 header,
     * then open it", so the volume can also be reopened with {@code serve} or cryptsetup.
     */
    static OpenedVolume formatFresh(Path image, long size) throws IOException {
        SecretBytes key = SecretBytes.random(64, new SecureRandom());
        XtsCipher xts = XtsCipher.create(key);
        key.close();
        FileBlockDevice file = FileBlockDevice.open(image, false);
        EncryptedVolume volume = new EncryptedVolume(file, 0, size,
                new SectorCipher(xts, SECTOR_SIZE, IvRule.dmCrypt(IvMode.PLAIN64, 0)));
        return new OpenedVolume(volume, "ephemeral aes-xts-plain64 " + image.getFileName(), List.of(xts));
    }
}
