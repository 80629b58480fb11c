package io.nbdcrypt.cli;

import io.nbdcrypt.kernel.KernelNbd;
import io.nbdcrypt.kernel.NbdDevices;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code nbdcrypt detach /dev/nbdN}: disconnect an NBD device, whoever attached it. */
@Command(name = "detach", mixinStandardHelpOptions = true,
        description = {"Disconnect /dev/nbdN (the kernel fails further I/O on it); works after its server died too.",
                "A device that is not connected is left as it is (exit 0)."})
public final class DetachCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "/dev/nbdN")
    Path device;

    @Override
    public Integer call() throws Exception {
        int index = NbdDevices.index(device);
        if (!NbdDevices.isConnected(index)) {
            // Already down (its last user closed it after the server died, or someone detached it).
            System.out.println(device + " is not connected; nothing to detach");
            return ExitStatus.OK;
        }
        KernelNbd.disconnect(index);
        System.out.println("detached " + device);
        return ExitStatus.OK;
    }
}
