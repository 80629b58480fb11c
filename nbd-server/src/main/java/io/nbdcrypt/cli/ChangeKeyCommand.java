package io.nbdcrypt.cli;

import io.nbdcrypt.block.BlockDevice;
import io.nbdcrypt.block.FileBlockDevice;
import io.nbdcrypt.crypto.SecretBytes;
import io.nbdcrypt.luks2.Luks2Volume;
import io.nbdcrypt.luks2.LuksVolumes;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code nbdcrypt change-key}: replace the passphrase of one keyslot (new slot written, old one destroyed). */
@Command(name = "change-key", mixinStandardHelpOptions = true,
        description = "Change a passphrase of a LUKS2 volume (like cryptsetup luksChangeKey).", footer = ExitStatus.HELP_FOOTER)
final class ChangeKeyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DEVICE")
    Path device;

    @Parameters(index = "1", arity = "0..1", paramLabel = "NEW_KEY_FILE", description = "File with the new passphrase (else prompted).")
    Path newKeyFile;

    @Option(names = {"-d", "--key-file"}, paramLabel = "FILE", description = "The passphrase to change (- for stdin).")
    Path keyFile;

    @Option(names = "--new-key-file", paramLabel = "FILE", description = "Same as NEW_KEY_FILE.")
    Path newKeyFileOption;

    @Option(names = {"-S", "--key-slot"}, paramLabel = "N", description = "Only try this keyslot.")
    Integer keySlot;

    @Option(names = "--header", paramLabel = "FILE", description = "Detached header file.")
    Path header;

    @Mixin
    KdfOptions kdf;

    Passphrases passphrases = Passphrases.system();

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        try (BlockDevice dev = FileBlockDevice.open(header != null ? header : device, false)) {
            if (LuksVolumes.version(dev) != 2) {
                throw new ExitStatus.UsageException("only LUKS2 volumes can be changed (this one is LUKS1)");
            }
            Luks2Volume v = Luks2Volume.open(dev, header != null);
            Path newFile = newKeyFileOption != null ? newKeyFileOption : newKeyFile;
            try (SecretBytes old = passphrases.read(keyFile, "Enter passphrase to be changed: ", false);
                    SecretBytes fresh = passphrases.read(newFile, "Enter new passphrase: ", true)) {
                int keyBytes = v.header().keyslots().values().iterator().next().keySize();
                int id = v.changePassphrase(old, fresh, kdf.parameters(keyBytes),
                        keySlot == null ? OptionalInt.empty() : OptionalInt.of(keySlot));
                err.println("Key slot " + id + " now holds the new passphrase.");
            }
            return ExitStatus.OK;
        } catch (Exception e) {
            return ExitStatus.report("change-key", e, err);
        }
    }
}
