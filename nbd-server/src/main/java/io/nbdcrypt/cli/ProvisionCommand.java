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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code nbdcrypt provision}: parses, then {@link Provisioner#provision}; serves in the
 * foreground until SIGTERM/SIGINT or {@code nbdcrypt destroy}, then destroys and reports.
 */
@Command(name = "provision", mixinStandardHelpOptions = true,
        description = {"Turn an empty scratch disk into an encrypted, mounted file system in one step:",
                "an ephemeral volume (random key, LUKS2 header in memory), attached as /dev/nbdN from this process",
                "or mapped by the kernel's dm-crypt as /dev/mapper/NAME (--backend),",
                "mkfs, mount (nodev,nosuid). Prints one line (JSON with --json) and serves in the foreground;",
                "on SIGTERM/SIGINT or 'nbdcrypt destroy --mount PATH': unmount, detach, wipe the key, discard the disk.",
                "Exit status: 0 destroyed cleanly; 1 usage, or the kernel has neither backend; 2 no CAP_SYS_ADMIN;",
                "4 refused input or a failed step (nothing left mounted or attached); 5 a dm-crypt mapping name is taken."})
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

    @Option(names = "--backend", defaultValue = "auto", paramLabel = "auto|nbd|dm-crypt",
            description = "Who carries the data path: nbd (this process, /dev/nbdN), dm-crypt (the kernel,"
                    + " /dev/mapper/NAME), or auto: nbd where the kernel has an NBD client, else dm-crypt."
                    + " Default: ${DEFAULT-VALUE}.")
    String backend;

    @Option(names = "--mapping", paramLabel = "NAME",
            description = "dm-crypt: the mapping's name (default nbdcrypt-<device name>).")
    String mapping;

    @Option(names = "--nbd-device", paramLabel = "/dev/nbdN", description = "Use this NBD device (default: a free one).")
    Path nbdDevice;

    @Option(names = "--connections", defaultValue = "1", paramLabel = "N",
            description = "NBD connections (socket pairs). Default: ${DEFAULT-VALUE}.")
    int connections;

    @Mixin
    NetlinkChoice netlink;

    @Option(names = "--timeout", defaultValue = "30", paramLabel = "SECONDS",
            description = "A request unanswered this long fails. Default: ${DEFAULT-VALUE}.")
    long timeout;

    @Option(names = "--dead-connection-timeout", defaultValue = "5", paramLabel = "SECONDS",
            description = "I/O on a dead connection fails after this long. Default: ${DEFAULT-VALUE}.")
    long deadConnectionTimeout;

    @picocli.CommandLine.Mixin AuthenticatedOptions auth;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    private final CountDownLatch printed = new CountDownLatch(1);

    @Override
    public Integer call() throws Exception {
        long cacheBytes = auth.cacheBytes(spec);
        boolean locked = KeyHygiene.apply(System.err);
        List<String> mkfs = mkfsOptions == null || mkfsOptions.isBlank() ? List.of()
                : Arrays.asList(mkfsOptions.trim().split("\\s+"));
        Backends.Choice choice = Backends.choose(backend);
        String kind = choice.backend().name();
        if (nbdDevice != null && !kind.equals("nbd")) {
            throw new ExitStatus.UsageException("--nbd-device applies to the nbd backend, not " + kind);
        }
        if (mapping != null && !kind.equals("dm-crypt")) {
            throw new ExitStatus.UsageException("--mapping applies to the dm-crypt backend, not " + kind);
        }
        if (backend.equals("auto")) {
            System.err.println("nbdcrypt provision: " + choice.why());
        }
        Optional<Path> attachTo = mapping != null ? Optional.of(Path.of("/dev/mapper", mapping)) : Optional.ofNullable(nbdDevice);
        ProvisionRequest request = new ProvisionRequest(device, mount, fs, mkfs, Optional.ofNullable(header),
                allowDiscards, choice.backend(), new AttachOptions(attachTo, connections,
                        Duration.ofSeconds(timeout), Duration.ofSeconds(deadConnectionTimeout), netlink.netlink()), auth.authenticated, cacheBytes);
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
        // The JVM halts when its hooks return, whatever other threads are doing: so the hook waits
        // until the destroyed line is out, whichever thread prints it (SIGTERM may wake the
        // main thread's join first, and its line would be cut off).
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            report(p.destroy(), out, reported);
            awaitReport();
        }, "nbdcrypt-destroy"));
        out.println(json ? Reports.provisioned(p, locked).toString() : Reports.provisionedText(p));
        out.flush();
        DestroyReport r = p.whenDestroyed().join();
        report(r, out, reported);
        control.close();
        return r.ok() ? ExitStatus.OK : ExitStatus.WRONG_PARAMETERS;
    }

    private void awaitReport() {
        try {
            printed.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void report(DestroyReport r, PrintStream out, AtomicBoolean reported) {
        if (reported.compareAndSet(false, true)) {
            var o = Reports.destroyed(r);
            out.println(json ? o.toString() : Reports.destroyedText(o));
            out.flush();
            printed.countDown();
        }
    }
}
