package io.nbdcrypt.cli;

import io.nbdcrypt.linux.Mounts;
import io.nbdcrypt.provision.ControlSocket;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code nbdcrypt destroy --mount PATH}: asks the provision process of PATH to destroy its volume, prints its report. */
@Command(name = "destroy", mixinStandardHelpOptions = true,
        description = {"Destroy a provisioned volume from another shell: the provision process unmounts it, detaches",
                "the device, wipes the key and discards the disk, and this prints what it did (JSON with --json).",
                "Exit status: 0 done; 4 nothing provisioned there, or a step failed."})
public final class DestroyCommand implements Callable<Integer> {
    @Option(names = "--mount", required = true, paramLabel = "PATH", description = "The provisioned mount point.")
    Path mount;

    @Option(names = "--json", description = "Print the report as a JSON object.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Mounts.Mount m = Mounts.at(mount).orElseThrow(() -> new IOException("nothing is mounted at " + mount));
        Path source = Path.of(m.source());
        String reply;
        try {
            reply = ControlSocket.requestDestroy(source);
        } catch (IOException e) {
            throw new IOException(e.getMessage() + "; if its process died, run: umount -l " + mount
                    + " && nbdcrypt detach " + source, e);
        }
        var o = Reports.parse(reply);
        System.out.println(json ? o.toString() : Reports.destroyedText(o));
        return o.path("ok").asBoolean() ? ExitStatus.OK : ExitStatus.WRONG_PARAMETERS;
    }
}
