package io.nbdcrypt.cli;

import io.nbdcrypt.crypto.Passphrase;
import io.nbdcrypt.crypto.VolumeKey;
import io.nbdcrypt.luks2.Luks2Volume;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code nbdcrypt add-key}: a new keyslot, unlocked by an existing passphrase or the volume key. */
@Command(name = "add-key", mixinStandardHelpOptions = true,
        description = "Add a passphrase to a LUKS2 volume (like cryptsetup luksAddKey).", footer = ExitStatus.HELP_FOOTER)
final class AddKeyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    LuksTarget target;

    @Parameters(index = "1", arity = "0..1", paramLabel = "NEW_KEY_FILE", description = "File with the new passphrase (else prompted).")
    Path newKeyFile;

    @Option(names = {"-d", "--key-file"}, paramLabel = "FILE", description = "An existing passphrase (- for stdin).")
    Path keyFile;

    @Option(names = "--new-key-file", paramLabel = "FILE", description = "Same as NEW_KEY_FILE.")
    Path newKeyFileOption;

    @Option(names = "--volume-key-file", paramLabel = "FILE", description = "Unlock with the raw volume key in FILE instead of a passphrase.")
    Path volumeKeyFile;

    @Option(names = {"-S", "--key-slot"}, paramLabel = "N", description = "Keyslot id for the new passphrase (default: lowest free).")
    Integer keySlot;

    @Mixin
    KdfOptions kdf;

    Passphrases passphrases = Passphrases.system();

    @Mixin
    BatchMode batch;

    /** Arguments are checked first, then the existing key unlocked, and only then the new keyslot's KDF benchmarked. */
    @Override
    public Integer call() throws Exception {
        kdf.validate();
        try (LuksTarget.Writable w = target.openForUpdate()) {
            Path newFile = newKeyFileOption != null ? newKeyFileOption : newKeyFile;
            try (VolumeKey key = volumeKey(w.volume());
                    Passphrase fresh = passphrases.read(newFile, "Enter new passphrase for key slot: ", true)) {
                int id = w.volume().addKeyslot(key, fresh, kdf.parameters(key.length()), LuksTarget.slot(keySlot),
                        kdf.hashAlgorithm());
                spec.commandLine().getErr().println("Key slot " + id + " created.");
            }
        }
        return ExitStatus.OK;
    }

    private VolumeKey volumeKey(Luks2Volume v) throws Exception {
        if (volumeKeyFile != null) {
            VolumeKey k = VolumeKey.takeOwnership(Files.readAllBytes(volumeKeyFile));
            if (!v.isVolumeKey(k)) {
                k.close();
                throw new ExitStatus.UsageException("--volume-key-file does not hold this volume's key");
            }
            return k;
        }
        try (Passphrase pass = passphrases.read(keyFile, "Enter any existing passphrase: ", false)) {
            return v.unlock(pass, OptionalInt.empty()).volumeKey();
        }
    }
}
