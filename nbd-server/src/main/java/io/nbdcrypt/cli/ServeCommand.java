package io.nbdcrypt.cli;

import io.nbdcrypt.crypto.Passphrase;
import io.nbdcrypt.nbd.server.ServerConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code nbdcrypt serve}: export the plaintext view of a LUKS volume (or a raw device with --plain) over NBD. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve the plaintext view of a LUKS2/LUKS1 volume over NBD until SIGTERM/SIGINT.",
                "Prints nbd+unix:///?socket=PATH on stdout once listening; logs go to stderr.",
                "On SIGTERM/SIGINT: finishes in-flight requests, flushes, closes, wipes keys."},
        footer = ExitStatus.HELP_FOOTER)
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

    @Mixin AuthenticatedOptions auth;

    @Mixin ServeOptions serve;

    @Mixin BatchMode batch;

    Passphrases passphrases = Passphrases.system();

    /** The ephemeral volume over the exclusively opened DEVICE; our key copy is wiped once the cipher holds its own. */
    private OpenedVolume openEphemeral(long cacheBytes) throws java.io.IOException {
        var raw = io.nbdcrypt.provision.Provisioner.openScratchDevice(device);
        var random = new java.security.SecureRandom();
        var headerFile = java.util.Optional.ofNullable(header);
        try (var v = auth.authenticated
                ? io.nbdcrypt.provision.EphemeralVolume.createAuthenticated(headerFile, raw.size(), random)
                : io.nbdcrypt.provision.EphemeralVolume.create(headerFile, random)) {
            String description = v.on(device, raw, serve.allowDiscards, cacheBytes).description();
            return new OpenedVolume(auth.authenticated
                    ? v.header().authenticatedVolume(raw, v.volumeKey(), cacheBytes, random)
                    : v.header().dataVolume(raw, v.volumeKey()), description);
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
        if (auth.authenticated && !ephemeral) {
            throw new ParameterException(spec.commandLine(), "--authenticated needs --ephemeral: an authenticated volume"
                    + " lives as long as the process that made it (its keys and its tree's root are in memory only)");
        }
        if (auth.authenticated && serve.readOnly) {
            throw new ParameterException(spec.commandLine(), "--authenticated starts an empty volume: --read-only would serve only zeroes");
        }
        long cacheBytes = auth.cacheBytes(spec);
        // Arguments and paths first: nothing below may cost a passphrase prompt or a KDF run in vain.
        ServerConfig config = serve.toConfig(null);
        DevicePaths.check(device, "device");
        if (header != null && !ephemeral) {
            DevicePaths.check(header, "header");
        }
        if (!plain) {
            KeyHygiene.apply(System.err);
        }
        if (ephemeral) {
            return ServeLoop.run(openEphemeral(cacheBytes), serve, config, System.out);
        }
        VolumeSource source = new VolumeSource(device, header, serve.readOnly);
        OpenedVolume volume;
        if (plain) {
            volume = new PlainVolumeOpener().open(source, null);
        } else {
            try (Passphrase passphrase = passphrases.read(keyFile, "Enter passphrase for " + device + ": ", false)) {
                volume = new LuksVolumeOpener().open(source, passphrase);
            }
        }
        return ServeLoop.run(volume, serve, config, System.out);
    }
}
