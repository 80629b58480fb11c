package io.nbdcrypt.cli;

import io.nbdcrypt.crypto.Passphrase;
import io.nbdcrypt.luks2.Luks2Volume;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code nbdcrypt remove-key}: destroy a keyslot, given by number (like luksKillSlot) or by
 * its passphrase (like luksRemoveKey). The slot's key material is overwritten. The last
 * keyslot of the data segment goes only after a typed YES on a terminal (or with {@code -q}).
 */
@Command(name = "remove-key", mixinStandardHelpOptions = true,
        description = "Remove a keyslot from a LUKS2 volume: --key-slot N, or the slot the passphrase opens.",
        footer = ExitStatus.HELP_FOOTER)
final class RemoveKeyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    LuksTarget target;

    @Option(names = {"-S", "--key-slot"}, paramLabel = "N", description = "The keyslot to destroy.")
    Integer keySlot;

    @Option(names = {"-d", "--key-file"}, paramLabel = "FILE", description = "Passphrase of the slot to remove (- for stdin).")
    Path keyFile;

    @Mixin
    BatchMode batch;

    Passphrases passphrases = Passphrases.system();
    Confirmations confirmations = Confirmations.system();

    /** Removing the last keyslot of the data segment is asked about on a terminal, as cryptsetup does. */
    @Override
    public Integer call() throws Exception {
        try (LuksTarget.Writable w = target.openForUpdate()) {
            int slot = keySlot != null ? keySlot : slotOpenedBy(w.volume());
            List<Integer> bound = w.volume().segmentKeyslots();
            if (bound.size() == 1 && bound.contains(slot) && !confirmations.confirm(
                    "This is the last keyslot. Device will become unusable after purging this key.", batch.batch)) {
                throw new ExitStatus.NotConfirmedException("Operation aborted, the keyslot was NOT wiped.");
            }
            w.volume().removeKeyslot(slot);
            spec.commandLine().getErr().println("Key slot " + slot + " removed.");
        }
        return ExitStatus.OK;
    }

    private int slotOpenedBy(Luks2Volume v) throws Exception {
        try (Passphrase pass = passphrases.read(keyFile, "Enter passphrase to be deleted: ", false)) {
            Luks2Volume.Unlocked u = v.unlock(pass, OptionalInt.empty());
            u.volumeKey().close();
            return u.keyslot();
        }
    }
}
