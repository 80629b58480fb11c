package io.nbdcrypt.cli;

import io.nbdcrypt.crypto.SecretBytes;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code nbdcrypt serve}: export the plaintext view of a LUKS volume (or a raw device with --plain) over NBD. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve the plaintext view of a LUKS2/LUKS1 volume over NBD until SIGTERM/SIGINT.",
                "Prints nbd+unix:///?socket=PATH on stdout once listening; logs go to stderr.",
                "On SIGTERM/SIGINT: finishes in-flight requests, flushes, closes, wipes keys."})
public final class ServeCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DEVICE", description = "Disk image or block device.")
    Path device;

    @Option(names = {"-d", "--key-file"}, paramLabel = "FILE",
            description = "Passphrase / key file that unlocks a keyslot (- for stdin; asked on a terminal when absent).")
    Path keyFile;

    @Option(names = "--header", paramLabel = "FILE", description = "Detached LUKS header.")
    Path header;

    @Option(names = "--plain", description = "Serve DEVICE as it is, without encryption (for comparisons).")
    boolean plain;

    @Option(names = "--ephemeral", description = {"A fresh volume on DEVICE that lives as long as this process: random key,"
            + " LUKS2 header in memory (no keyslot, no KDF); with --header FILE a normal header goes there instead"
            + " (FILE.key holds a keyslot passphrase for cryptsetup). DEVICE is opened exclusively."})
    boolean ephemeral;

    @Option(names = "--authenticated", description = {"A fresh authenticated volume on DEVICE that lives as long as"
            + " this process (random key in memory, no header): every sector is checked against a hash tree whose root"
            + " stays in memory, so a host that changes, moves, replays or zeroes sectors gets the client EIO, never"
            + " wrong data. Starts empty. Uses about 0.6% of DEVICE for metadata."})
    boolean authenticated;

    @Option(names = "--metadata-cache", paramLabel = "SIZE", defaultValue = "64M",
            description = "With --authenticated: memory for hash-tree nodes (e.g. 16M, 1G; at least 1M). Default: ${DEFAULT-VALUE}.")
    String metadataCache;

    @Mixin ServeOptions serve;

    Passphrases passphrases = Passphrases.system();

    /** The ephemeral volume over the exclusively opened DEVICE; our key copy is wiped once the cipher holds its own. */
    private OpenedVolume openEphemeral() throws java.io.IOException {
        var raw = io.nbdcrypt.provision.Provisioner.openScratchDevice(device);
        try (var v = io.nbdcrypt.provision.EphemeralVolume.create(java.util.Optional.ofNullable(header),
                new java.security.SecureRandom())) {
            String description = v.on(device, raw, serve.allowDiscards).description();
            return new OpenedVolume(v.header().dataVolume(raw, v.volumeKey()), description);
        } catch (java.io.IOException | RuntimeException e) {
            raw.close();
            throw e;
        }
    }

    @Override
    public Integer call() throws Exception {
        if (serve.socket == null && serve.tcp == null && serve.attach == null) {
            throw new ParameterException(spec.commandLine(), "--socket PATH (or --tcp 127.0.0.1:PORT, or --attach) is required");
        }
        if (plain && keyFile != null) {
            throw new ParameterException(spec.commandLine(), "--plain serves the raw device: --key-file does not apply");
        }
        if (ephemeral && (plain || keyFile != null)) {
            throw new ParameterException(spec.commandLine(), "--ephemeral makes its own key: --plain and --key-file do not apply");
        }
        if (!plain) {
            KeyHygiene.apply(System.err);
        }
        if (ephemeral) {
            return ServeLoop.run(openEphemeral(), serve, serve.toConfig(null), System.out);
        }
        VolumeSource source = new VolumeSource(device, header, serve.readOnly);
        OpenedVolume volume;
        if (authenticated) {
            if (plain || keyFile != null) {
                throw new ParameterException(spec.commandLine(), "--authenticated makes its own key: --plain and --key-file do not apply");
            }
            long cache = Sizes.parse(metadataCache, "--metadata-cache");
            if (cache < io.nbdcrypt.block.auth.AuthenticatedVolume.MIN_CACHE_BYTES) {
                throw new ParameterException(spec.commandLine(), "--metadata-cache: " + metadataCache + " is below the minimum 1M");
            }
            volume = new AuthenticatedVolumeOpener(cache).open(source);
        } else if (plain) {
            volume = new PlainVolumeOpener().open(source, null);
        } else {
            try (SecretBytes passphrase = passphrases.read(keyFile, "Enter passphrase for " + device + ": ", false)) {
                volume = new LuksVolumeOpener().open(source, passphrase);
            }
        }
        return ServeLoop.run(volume, serve, serve.toConfig(null), System.out);
    }
}
