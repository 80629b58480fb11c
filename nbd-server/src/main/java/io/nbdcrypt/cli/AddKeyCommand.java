package io.nbdcrypt.cli;

import io.nbdcrypt.block.BlockDevice;
import io.nbdcrypt.block.FileBlockDevice;
import io.nbdcrypt.crypto.SecretBytes;
import io.nbdcrypt.luks2.Luks2Volume;
import io.nbdcrypt.luks2.LuksVolumes;
import java.io.PrintWriter;
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

    @Parameters(index = "0", paramLabel = "DEVICE")
    Path device;

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
            try (SecretBytes key = volumeKey(v)) {
                int keyBytes = key.length();
                try (SecretBytes fresh = passphrases.read(newFile, "Enter new passphrase for key slot: ", true)) {
                    int id = v.addKeyslot(key, fresh, kdf.parameters(keyBytes),
                            keySlot == null ? OptionalInt.empty() : OptionalInt.of(keySlot), kdf.hashAlgorithm());
                    err.println("Key slot " + id + " created.");
                }
            }
            return ExitStatus.OK;
        } catch (Exception e) {
            return ExitStatus.report("add-key", e, err);
        }
    }

    private SecretBytes volumeKey(Luks2Volume v) throws Exception {
        if (volumeKeyFile != null) {
            SecretBytes k = SecretBytes.takeOwnership(Files.readAllBytes(volumeKeyFile));
            if (!v.isVolumeKey(k)) {
                k.close();
                throw new ExitStatus.UsageException("--volume-key-file does not hold this volume's key");
            }
            return k;
        }
        try (SecretBytes pass = passphrases.read(keyFile, "Enter any existing passphrase: ", false)) {
            return v.unlock(pass, OptionalInt.empty()).volumeKey();
        }
    }
}
