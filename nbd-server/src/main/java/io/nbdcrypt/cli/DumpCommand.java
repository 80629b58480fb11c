package io.nbdcrypt.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nbdcrypt.block.BlockDevice;
import io.nbdcrypt.crypto.Passphrase;
import io.nbdcrypt.luks.LuksDump;
import io.nbdcrypt.luks.LuksVolumes;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code nbdcrypt dump}: the header as {@code cryptsetup luksDump} shows it, or as one JSON
 * object; every header cryptsetup reads, with what nbdcrypt will not open listed after it.
 */
@Command(name = "dump", mixinStandardHelpOptions = true,
        description = {"Show the LUKS header of DEVICE as cryptsetup luksDump does (or as one JSON object with --json).",
                "Headers with features nbdcrypt does not open are shown too; what it refuses, and why, follows"
                        + " under 'nbdcrypt will not open this volume:'. A malformed header is refused."},
        footer = ExitStatus.HELP_FOOTER)
final class DumpCommand implements Callable<Integer> {
    /** cryptsetup's warning before it prints a volume key. */
    static final String VOLUME_KEY_WARNING = "The header dump with volume key is sensitive information\n"
            + "that allows access to encrypted partition without a passphrase.\n"
            + "This dump should be stored encrypted in a safe place.";

    @Spec
    CommandSpec spec;

    @Mixin
    LuksTarget target;

    @Option(names = "--json", description = "One JSON object: binary header fields, metadata, what nbdcrypt refuses,"
            + " and volume_key when asked.")
    boolean json;

    @Option(names = "--dump-volume-key", description = "Print the volume key instead, in cryptsetup's layout (needs a"
            + " passphrase; asks first on a terminal). Handle the output as the key it is.")
    boolean dumpVolumeKey;

    @Option(names = {"-d", "--key-file"}, paramLabel = "FILE", description = "Passphrase file (- for stdin).")
    Path keyFile;

    @Option(names = {"-S", "--key-slot"}, paramLabel = "N", description = "Keyslot to open for --dump-volume-key.")
    Integer keySlot;

    @Mixin
    BatchMode batch;

    Passphrases passphrases = Passphrases.system();
    Confirmations confirmations = Confirmations.system();

    /** Errors go to {@link ErrorReporter}, which maps them to exit statuses. */
    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        String name = target.headerFile().toString();
        try (BlockDevice hdr = target.openHeader(true)) {
            LuksDump.Shown shown = LuksDump.header(hdr, target.location(), name);
            if (!dumpVolumeKey) {
                out.print(json ? shown.json().toString() + "\n" : shown.text());
                out.flush();
                return ExitStatus.OK;
            }
            if (!confirmations.confirm(VOLUME_KEY_WARNING, batch.batch)) {
                throw new ExitStatus.NotConfirmedException("Operation aborted.");
            }
            try (Passphrase pass = passphrases.read(keyFile, "Enter passphrase for " + target.device + ": ", false);
                    LuksVolumes.UnlockedKey u = LuksVolumes.unlockKey(hdr, target.detachedHeader(hdr), pass,
                            LuksTarget.slot(keySlot))) {
                if (json) {
                    ObjectNode root = shown.json();
                    root.put("volume_key", LuksDump.volumeKeyHex(u.volumeKey()));
                    out.print(root.toString() + "\n");
                } else {
                    out.print(LuksDump.volumeKeyText(name, u.info(), u.volumeKey()));
                }
            }
            out.flush();
            return ExitStatus.OK;
        }
    }
}
