package io.nbdcrypt.cli;

import io.nbdcrypt.crypto.Passphrase;
import io.nbdcrypt.crypto.VolumeKey;
import io.nbdcrypt.luks2.Luks2Volume;
import java.nio.file.Path;
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

    @Mixin
    LuksTarget target;

    @Parameters(index = "1", arity = "0..1", paramLabel = "NEW_KEY_FILE", description = "File with the new passphrase (else prompted).")
    Path newKeyFile;

    @Option(names = {"-d", "--key-file"}, paramLabel = "FILE", description = "The passphrase to change (- for stdin).")
    Path keyFile;

    @Option(names = "--new-key-file", paramLabel = "FILE", description = "Same as NEW_KEY_FILE.")
    Path newKeyFileOption;

    @Option(names = {"-S", "--key-slot"}, paramLabel = "N", description = "Only try this keyslot.")
    Integer keySlot;

    @Mixin
    KdfOptions kdf;

    Passphrases passphrases = Passphrases.system();

    @Mixin
    BatchMode batch;

    /** The old passphrase is tried before the new keyslot's KDF is benchmarked, so a wrong one fails at once. */
    @Override
    public Integer call() throws Exception {
        kdf.validate();
        try (LuksTarget.Writable w = target.openForUpdate()) {
            Path newFile = newKeyFileOption != null ? newKeyFileOption : newKeyFile;
            Luks2Volume.Unlocked old;
            try (Passphrase oldPass = passphrases.read(keyFile, "Enter passphrase to be changed: ", false)) {
                old = w.volume().unlock(oldPass, LuksTarget.slot(keySlot));
            }
            try (VolumeKey key = old.volumeKey();
                    Passphrase fresh = passphrases.read(newFile, "Enter new passphrase: ", true)) {
                int id = w.volume().changePassphrase(old, fresh, kdf.parameters(key.length()));
                spec.commandLine().getErr().println("Key slot " + id + " now holds the new passphrase.");
            }
        }
        return ExitStatus.OK;
    }
}
