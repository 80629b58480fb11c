package io.nbdcrypt.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code nbdcrypt repair}: rewrite both LUKS2 header copies from the valid one, as
 * {@code cryptsetup repair} does; the way out when a damaged copy is not auto-recovered
 * because another format's signature is on the device (restoring the header overwrites that
 * signature, so it asks first on a terminal).
 */
@Command(name = "repair", mixinStandardHelpOptions = true,
        description = {"Repair the LUKS2 header of DEVICE: both copies are rewritten from the valid one (seqid + 1).",
                "Use it when a command refuses a damaged header copy because the device also carries another"
                        + " signature (swap, a file system, LVM ...): the restored header overwrites that signature."},
        footer = ExitStatus.HELP_FOOTER)
final class RepairCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    LuksTarget target;

    @Mixin
    BatchMode batch;

    Confirmations confirmations = Confirmations.system();

    @Override
    public Integer call() throws Exception {
        target.check();
        if (!confirmations.confirm("Really try to repair LUKS device header?", batch.batch)) {
            spec.commandLine().getErr().println("nbdcrypt repair: Operation aborted.");
            return ExitStatus.WRONG_PARAMETERS;
        }
        try (LuksTarget.Writable w = target.openForUpdate(true)) {
            w.volume().repair();
            spec.commandLine().getErr().println("LUKS2 header repaired (both copies rewritten, epoch "
                    + w.volume().header().seqid() + ").");
        }
        return ExitStatus.OK;
    }
}
