package io.nbdcrypt.cli;

import io.nbdcrypt.kernel.dm.DmCrypt;
import io.nbdcrypt.kernel.dm.MappingName;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code nbdcrypt close NAME}: remove a dm-crypt mapping (ours or cryptsetup's), like {@code cryptsetup close}. */
@Command(name = "close", mixinStandardHelpOptions = true,
        description = "Remove the dm-crypt mapping /dev/mapper/NAME; refused while it is mounted or open.",
        footer = ExitStatus.HELP_FOOTER)
final class CloseCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME", description = "Mapping name.")
    String name;

    DmCrypt dmCrypt = DmCrypt.system();

    @Override
    public Integer call() throws Exception {
        dmCrypt.close(new MappingName(name));
        return ExitStatus.OK;
    }
}
