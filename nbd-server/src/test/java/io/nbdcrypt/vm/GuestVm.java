package io.nbdcrypt.vm;

import static org.junit.jupiter.api.Assertions.fail;

import io.nbdcrypt.testsupport.ExternalTool;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Runs one shell script as root in a throwaway QEMU guest with the Debian kernel (dm-crypt,
 * device-mapper, NBD client, ext4), through the project's harness {@code vm/run-guest.sh}.
 *
 * <p>{@link #require()} checks the host first: in CI ({@code CI=true}) a missing tool or
 * kernel fails the test, elsewhere it skips. {@link #run} fails (with the guest's console log
 * in the message) when the script exits non-zero or the guest never reports a result; the
 * harness retries once a boot that prints nothing. The console log is also kept under
 * {@code nbd-server/target/vm-logs/}. Configure an instance, then run it once.
 */
public final class GuestVm {

    private final Path runGuest;
    private final List<String> options = new ArrayList<>();
    private long timeoutSeconds = 300;

    private GuestVm(Path runGuest) {
        this.runGuest = runGuest;
    }

    /** A guest runner, or a skip (a failure in CI) when the host cannot boot one. */
    public static GuestVm require() {
        Path vm = harness();
        hostTools(vm).forEach(ExternalTool::require);
        requireKernel();
        return new GuestVm(vm.resolve("run-guest.sh"));
    }

    /** Attaches every {@code dir/NAME.img} as a raw virtio disk, seen in the guest as {@code /dev/disk/NAME}. */
    public GuestVm disks(Path dir) {
        options.addAll(List.of("--disks", dir.toString()));
        return this;
    }

    /** Copies {@code file} into the guest as {@code /vmtest/<file name>}. */
    public GuestVm file(Path file) {
        options.addAll(List.of("--file", file.toString()));
        return this;
    }

    /** Lets the guest reach the NBD server on this host unix socket at {@code $NBD_HOST:$NBD_PORT}. */
    public GuestVm nbdSocket(Path socket) {
        ExternalTool.require("socat");
        options.addAll(List.of("--nbd-socket", socket.toString()));
        return this;
    }

    /** Shares the host's / read-only at {@code /host} in the guest (9p), so it can run the host's JDK and our jar. */
    public GuestVm hostRoot() {
        options.add("--hostroot");
        return this;
    }

    /** Guest memory in MiB (default 1024). */
    public GuestVm memMib(int mib) {
        options.addAll(List.of("--mem", Integer.toString(mib)));
        return this;
    }

    /** Limit for the guest run (the harness retries a silent boot once within its own limit). */
    public GuestVm timeoutSeconds(long seconds) {
        this.timeoutSeconds = seconds;
        return this;
    }

    /** How long the guest may stay silent before its init starts (then the harness boots once more). */
    GuestVm bootTimeoutSeconds(long seconds) {
        options.addAll(List.of("--boot-timeout", Long.toString(seconds)));
        return this;
    }

    /**
     * Boots the guest, runs {@code script} (sh, as root; its lines {@code RESULT name value}
     * come back in the {@link GuestRun}) and waits for the guest to power off.
     *
     * @param name names the console log file, e.g. the test class
     */
    public GuestRun run(String name, Path script) {
        Path log = logDirectory().resolve(name + ".console.log");
        try {
            Files.deleteIfExists(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> cmd = new ArrayList<>(List.of(runGuest.toString(), "--timeout", Long.toString(timeoutSeconds),
                "--log", log.toString()));
        cmd.addAll(options);
        cmd.add(script.toString());
        // Worst case: a silent boot (90 s watchdog), the retry, and a first-time initramfs build.
        ExternalTool.Result r = ExternalTool.run(cmd, null, timeoutSeconds + 90 + 120);
        String console = readConsole(log);
        if (r.exitCode() != 0) {
            fail("guest run failed (run-guest.sh exit " + r.exitCode() + "; 1 = script failed, 2 = no result, "
                    + "3 = host packages missing); log " + log + ":\n" + r.stderr() + console);
        }
        return GuestRun.parse(console);
    }

    /** Where guest console logs (and the logs of servers the guests talk to) are kept; created if missing. */
    static Path logDirectory() {
        Path logs = Path.of(System.getProperty("nbdcrypt.vm.logs", System.getProperty("java.io.tmpdir")));
        try {
            return Files.createDirectories(logs);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String readConsole(Path log) {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(console log unreadable: " + e + ")";
        }
    }

    /** The commands of {@code vm/host-tools}: what the harness and the guest's initramfs are built from. */
    private static List<String> hostTools(Path vm) {
        try {
            return Files.readAllLines(vm.resolve("host-tools")).stream()
                    .map(String::strip)
                    .filter(l -> !l.isEmpty() && !l.startsWith("#"))
                    .map(l -> l.split("\\s+")[0])
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** vm/ at the repository root: from the failsafe configuration, else above the working directory. */
    private static Path harness() {
        String configured = System.getProperty("nbdcrypt.vm.dir");
        if (configured != null) {
            return Path.of(configured).toAbsolutePath().normalize();
        }
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isExecutable(d.resolve("vm/run-guest.sh"))) {
                return d.resolve("vm");
            }
        }
        throw new AssertionError("vm/run-guest.sh not found above " + Path.of("").toAbsolutePath());
    }

    /** The harness boots /boot/vmlinuz-* with its modules (Debian linux-image-amd64). */
    private static void requireKernel() {
        boolean found;
        try (Stream<Path> boot = Files.list(Path.of("/boot"))) {
            found = boot.anyMatch(p -> p.getFileName().toString().startsWith("vmlinuz-") && Files.isReadable(p));
        } catch (IOException e) {
            found = false;
        }
        if (found) {
            return;
        }
        ExternalTool.unavailable("no readable kernel /boot/vmlinuz-* for the test guest (apt package linux-image-amd64)");
    }
}
