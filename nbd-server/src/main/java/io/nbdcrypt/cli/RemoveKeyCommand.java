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
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code nbdcrypt remove-key}: destroy a keyslot, given by number (like luksKillSlot) or by
 * its passphrase (like luksRemoveKey). The slot's key material is overwritten.
 */
@Command(name = "remove-key", mixinStandardHelpOptions = true,
        description = "Remove a keyslot from a LUKS2 volume: --key-slot N, or the slot the passphrase opens.",
        footer = ExitStatus.HELP_FOOTER)
final class RemoveKeyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DEVICE")
    Path device;

    @Option(names = {"-S", "--key-slot"}, paramLabel = "N", description = "The keyslot to destroy.")
    Integer keySlot;

    @Option(names = {"-d", "--key-file"}, paramLabel = "FILE", description = "Passphrase of the slot to remove (- for stdin).")
    Path keyFile;

    @Option(names = "--header", paramLabel = "FILE", description = "Detached header file.")
    Path header;

    Passphrases passphrases = Passphrases.system();

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        try (BlockDevice dev = FileBlockDevice.open(header != null ? header : device, false)) {
            if (LuksVolumes.version(dev) != 2) {
                throw new ExitStatus.UsageException("only LUKS2 volumes can be changed (this one is LUKS1)");
            }
            Luks2Volume v = Luks2Volume.open(dev, header != null);
            int slot;
            if (keySlot != null) {
                slot = keySlot;
            } else {
                try (SecretBytes pass = passphrases.read(keyFile, "Enter passphrase to be deleted: ", false)) {
                    Luks2Volume.Unlocked u = v.unlock(pass, OptionalInt.empty());
                    u.volumeKey().close();
                    slot = u.keyslot();
                }
            }
            v.removeKeyslot(slot);
            err.println("Key slot " + slot + " removed.");
            return ExitStatus.OK;
        } catch (Exception e) {
            return ExitStatus.report("remove-key", e, err);
        }
    }
}
