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

    @Mixin ServeOptions serve;

    Passphrases passphrases = Passphrases.system();

    @Override
    public Integer call() throws Exception {
        if (serve.socket == null && serve.tcp == null) {
            throw new ParameterException(spec.commandLine(), "--socket PATH (or --tcp 127.0.0.1:PORT) is required");
        }
        if (plain && keyFile != null) {
            throw new ParameterException(spec.commandLine(), "--plain serves the raw device: --key-file does not apply");
        }
        VolumeSource source = new VolumeSource(device, header, serve.readOnly);
        OpenedVolume volume;
        if (plain) {
            volume = new PlainVolumeOpener().open(source, null);
        } else {
            try (SecretBytes passphrase = passphrases.read(keyFile, "Enter passphrase for " + device + ": ", false)) {
                volume = new LuksVolumeOpener().open(source, passphrase);
            }
        }
        return ServeLoop.run(volume, serve, serve.toConfig(null), System.out);
    }
}
