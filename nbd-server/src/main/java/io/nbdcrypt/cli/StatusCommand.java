package io.nbdcrypt.cli;

import io.nbdcrypt.kernel.dm.DmCrypt;
import io.nbdcrypt.kernel.dm.MappingName;
import io.nbdcrypt.kernel.dm.MappingStatus;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code nbdcrypt status NAME}: a mapping as the kernel has it, printed as {@code cryptsetup status} prints it. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Show the dm-crypt mapping NAME (ours or cryptsetup's) as cryptsetup status does:"
                + " type, cipher, key size and location, device, sector size, offset, size, mode, flags.",
                "An inactive NAME prints so and exits 4."},
        footer = ExitStatus.HELP_FOOTER)
final class StatusCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME", description = "Mapping name.")
    String name;

    DmCrypt dmCrypt = DmCrypt.system();

    @Override
    public Integer call() throws Exception {
        MappingName mapping = new MappingName(name);
        PrintWriter out = spec.commandLine().getOut();
        Optional<MappingStatus> s = dmCrypt.status(mapping);
        if (s.isEmpty()) {
            out.println(dmCrypt.mapperDir() + "/" + mapping + " is inactive.");
            return ExitStatus.WRONG_DEVICE; // cryptsetup status: 4 for an inactive name
        }
        out.print(s.get().toText(dmCrypt.mapperDir().toString()));
        out.flush();
        return ExitStatus.OK;
    }
}
