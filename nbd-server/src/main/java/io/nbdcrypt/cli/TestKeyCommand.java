package io.nbdcrypt.cli;

import io.nbdcrypt.block.BlockDevice;
import io.nbdcrypt.crypto.Passphrase;
import io.nbdcrypt.luks.LuksVolumes;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code nbdcrypt test-key}: whether a passphrase opens the volume (LUKS1 or LUKS2), by exit status only. */
@Command(name = "test-key", mixinStandardHelpOptions = true,
        description = "Exit 0 if the passphrase opens a keyslot of DEVICE, 1 if not (like cryptsetup open --test-passphrase).",
        footer = ExitStatus.HELP_FOOTER)
final class TestKeyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    LuksTarget target;

    @Option(names = {"-d", "--key-file"}, paramLabel = "FILE", description = "Passphrase file (- for stdin).")
    Path keyFile;

    @Option(names = {"-S", "--key-slot"}, paramLabel = "N", description = "Only try this keyslot.")
    Integer keySlot;

    @Mixin
    BatchMode batch;

    Passphrases passphrases = Passphrases.system();

    @Override
    public Integer call() throws Exception {
        try (BlockDevice hdr = target.openHeader(true);
                Passphrase pass = passphrases.read(keyFile, "Enter passphrase for " + target.device + ": ", false)) {
            int slot = LuksVolumes.testKey(hdr, target.detachedHeader(hdr), pass, LuksTarget.slot(keySlot));
            spec.commandLine().getErr().println("Key slot " + slot + " unlocked.");
            return ExitStatus.OK;
        }
    }
}
