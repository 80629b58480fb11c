package io.nbdcrypt.cli;

import io.nbdcrypt.block.BlockDevice;
import io.nbdcrypt.block.FileBlockDevice;
import io.nbdcrypt.crypto.SecretBytes;
import io.nbdcrypt.luks2.LuksVolumes;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code nbdcrypt test-key}: whether a passphrase opens the volume (LUKS1 or LUKS2), by exit status only. */
@Command(name = "test-key", mixinStandardHelpOptions = true,
        description = "Exit 0 if the passphrase opens a keyslot of DEVICE, 1 if not (like cryptsetup open --test-passphrase).",
        footer = ExitStatus.HELP_FOOTER)
final class TestKeyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DEVICE")
    Path device;

    @Option(names = {"-d", "--key-file"}, paramLabel = "FILE", description = "Passphrase file (- for stdin).")
    Path keyFile;

    @Option(names = {"-S", "--key-slot"}, paramLabel = "N", description = "Only try this keyslot.")
    Integer keySlot;

    @Option(names = "--header", paramLabel = "FILE", description = "Detached header file.")
    Path header;

    Passphrases passphrases = Passphrases.system();

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        try (BlockDevice hdr = FileBlockDevice.open(header != null ? header : device, true);
                SecretBytes pass = passphrases.read(keyFile, "Enter passphrase for " + device + ": ", false);
                LuksVolumes.UnlockedKey u = LuksVolumes.unlockKey(hdr, header != null ? Optional.of(hdr) : Optional.empty(),
                        pass, keySlot == null ? OptionalInt.empty() : OptionalInt.of(keySlot))) {
            err.println("Key slot " + u.info().keyslot() + " unlocked.");
            return ExitStatus.OK;
        } catch (Exception e) {
            return ExitStatus.report("test-key", e, err);
        }
    }
}
