package io.nbdcrypt.cli;

import io.nbdcrypt.provision.AttachOptions;
import io.nbdcrypt.provision.Backends;
import io.nbdcrypt.provision.ControlSocket;
import io.nbdcrypt.provision.DestroyReport;
import io.nbdcrypt.provision.ProvisionRequest;
import io.nbdcrypt.provision.Provisioned;
import io.nbdcrypt.provision.Provisioner;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code nbdcrypt provision}: parses, then {@link Provisioner#provision}; serves in the
 * foreground until SIGTERM/SIGINT or {@code nbdcrypt destroy}, then destroys and reports.
 */
@Command(name = "provision", mixinStandardHelpOptions = true,
        description = {"Turn an empty scratch disk into an encrypted, mounted file system in one step:",
                "an ephemeral volume (random key, LUKS2 header in memory), attached as /dev/nbdN from this process,",
                "mkfs, mount (nodev,nosuid). Prints one line (JSON with --json) and serves in the foreground;",
                "on SIGTERM/SIGINT or 'nbdcrypt destroy --mount PATH': unmount, detach, wipe the key, discard the disk.",
                "Exit status: 0 destroyed cleanly; 2 usage; 4 refused input or a failed step (nothing left mounted or attached)."})
public final class ProvisionCommand implements Callable<Integer> {
    @Option(names = "--device", required = true, paramLabel = "DEVICE", description = "The empty scratch disk, e.g. /dev/vdb.")
    Path device;

    @Option(names = "--mount", required = true, paramLabel = "PATH",
            description = "Mount point (created if missing), e.g. /run/kata-containers/image.")
    Path mount;

    @Option(names = "--fs", defaultValue = "ext4", paramLabel = "TYPE", description = "File system. Default: ${DEFAULT-VALUE}.")
    String fs;

    @Option(names = "--mkfs-options", paramLabel = "\"OPTS\"",
            description = "Extra mkfs arguments, split at spaces (ours first: lazy init, nodiscard).")
    String mkfsOptions;

    @Option(names = "--header", paramLabel = "FILE",
            description = "Write a normal LUKS2 header to FILE (and a keyslot passphrase to FILE.key) for cryptsetup.")
    Path header;

    @Option(names = "--allow-discards", description = "Let the file system discard (tells the host which blocks are free).")
    boolean allowDiscards;

    @Option(names = "--json", description = "Print the provisioned and destroyed lines as JSON objects.")
    boolean json;

    @Option(names = "--backend", defaultValue = "nbd", paramLabel = "NAME", description = "Kernel backend. Default: ${DEFAULT-VALUE}.")
    String backend;

    @Option(names = "--nbd-device", paramLabel = "/dev/nbdN", description = "Use this NBD device (default: a free one).")
    Path nbdDevice;

    @Option(names = "--connections", defaultValue = "1", paramLabel = "N",
            description = "NBD connections (socket pairs). Default: ${DEFAULT-VALUE}.")
    int connections;

    @Option(names = "--timeout", defaultValue = "30", paramLabel = "SECONDS",
            description = "A request unanswered this long fails. Default: ${DEFAULT-VALUE}.")
    long timeout;

    @Option(names = "--dead-connection-timeout", defaultValue = "5", paramLabel = "SECONDS",
            description = "I/O on a dead connection fails after this long. Default: ${DEFAULT-VALUE}.")
    long deadConnectionTimeout;

    @picocli.CommandLine.Mixin AuthenticatedOptions auth;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        long cacheBytes = auth.cacheBytes(spec);
        boolean locked = KeyHygiene.apply(System.err);
        List<String> mkfs = mkfsOptions == null || mkfsOptions.isBlank() ? List.of()
                : Arrays.asList(mkfsOptions.trim().split("\\s+"));
        ProvisionRequest request = new ProvisionRequest(device, mount, fs, mkfs, Optional.ofNullable(header),
                allowDiscards, Backends.byName(backend), new AttachOptions(Optional.ofNullable(nbdDevice), connections,
                        Duration.ofSeconds(timeout), Duration.ofSeconds(deadConnectionTimeout)), auth.authenticated, cacheBytes);
        Provisioned p = Provisioner.provision(request);
        PrintStream out = System.out;
        AtomicBoolean reported = new AtomicBoolean();
        ControlSocket control;
        try {
            control = ControlSocket.listen(p.device(), req -> Reports.destroyed(p.destroy()).toString());
        } catch (IOException | RuntimeException e) {
            p.destroy();
            throw e;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> report(p.destroy(), out, reported), "nbdcrypt-destroy"));
        out.println(json ? Reports.provisioned(p, locked).toString() : Reports.provisionedText(p));
        out.flush();
        DestroyReport r = p.whenDestroyed().join();
        report(r, out, reported);
        control.close();
        return r.ok() ? ExitStatus.OK : ExitStatus.WRONG_PARAMETERS;
    }

    private void report(DestroyReport r, PrintStream out, AtomicBoolean reported) {
        if (reported.compareAndSet(false, true)) {
            var o = Reports.destroyed(r);
            out.println(json ? o.toString() : Reports.destroyedText(o));
            out.flush();
        }
    }
}
