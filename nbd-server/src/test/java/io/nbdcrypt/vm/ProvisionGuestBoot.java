package io.nbdcrypt.vm;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.opentest4j.TestAbortedException;

/**
 * One guest boot in which {@code nbdcrypt provision} runs inside the guest, as it will in a
 * confidential VM: the host's JDK 25 and our jar over 9p ({@code run-guest.sh --hostroot}),
 * on virtio scratch disks (raw sparse images here). The scenarios ({@code provision-guest.sh}):
 *
 * <ol>
 *   <li>basic: provision, write a marker + host payload + guest random data, unmount and
 *       remount with caches dropped, read back, destroy from another shell; timed.</li>
 *   <li>cryptsetup: the Confidential Containers sequence (luksFormat with a random 4096-byte key
 *       on stdin, argon2id, detached header in guest memory; luksOpen; mkfs.ext4; mount) on a
 *       disk of the same size, timed, for the side-by-side.</li>
 *   <li>pair: two volumes at once, with header files (to compare their keys); one is opened
 *       afterwards by cryptsetup with its header file, the other's server is killed with
 *       SIGKILL while mounted (I/O must fail, umount -l and detach must complete).</li>
 *   <li>bad: a mounted device, a device another process holds (flock), a too-small disk, a
 *       mount point that is a file: each refused with a message, the disk unchanged.</li>
 *   <li>ioctl: provision with the NBD ioctls ({@code --no-netlink}) and two connections; write,
 *       remount, verify; then SIGKILL while mounted ({@link ProvisionIoctlIT}).</li>
 *   <li>multiconn: the same disk with one and then two connections, 48 MiB written and read
 *       back with O_DIRECT, timed and checked ({@link ProvisionTimingIT}).</li>
 * </ol>
 *
 * After power-off the host reads the raw images ({@link ProvisionIT} and the others judge).
 * {@link #get()} boots once per test JVM and hands every caller the same result or failure.
 */
final class ProvisionGuestBoot {
    static final long DISK_SIZE = 256L << 20;
    static final int PAYLOAD_KIB = 512;
    static final List<String> DISKS = List.of("basic", "cmp", "pa", "pb", "busy", "held", "spare", "ioc", "mc");

    private static ProvisionGuestBoot booted;
    private static Throwable failed;

    final Path dir;
    final Path disks;
    final String marker;
    final byte[] payload;
    final GuestRun guest;

    private ProvisionGuestBoot(Path dir, Path disks, String marker, byte[] payload, GuestRun guest) {
        this.dir = dir;
        this.disks = disks;
        this.marker = marker;
        this.payload = payload;
        this.guest = guest;
    }

    static synchronized ProvisionGuestBoot get() throws IOException {
        if (failed instanceof TestAbortedException skipped) {
            throw skipped;
        }
        if (failed != null) {
            throw new AssertionError("the shared provisioning guest boot failed earlier", failed);
        }
        if (booted == null) {
            try {
                booted = boot();
            } catch (IOException | RuntimeException | Error e) {
                failed = e;
                throw e;
            }
        }
        return booted;
    }

    Path image(String disk) {
        return disks.resolve(disk + ".img");
    }

    String result(String name) {
        return guest.result(name);
    }

    void assertScenarioPassed(String name) {
        if (!"pass".equals(guest.results().get("scenario." + name))) {
            throw new AssertionError("guest scenario '" + name + "' failed (" + guest.results().get("scenario." + name)
                    + "); console log:\n" + guest.console());
        }
    }

    private static ProvisionGuestBoot boot() throws IOException {
        GuestVm vm = GuestVm.require();
        Path dir = Files.createTempDirectory("nbdcrypt-provision-guest");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LuksGuestBoot.deleteTree(dir)));
        Path disks = Files.createDirectories(dir.resolve("disks"));
        for (String d : DISKS) {
            sparse(disks.resolve(d + ".img"), DISK_SIZE);
        }
        sparse(disks.resolve("tiny.img"), 4L << 20);
        SecureRandom random = new SecureRandom();
        byte[] payload = new byte[PAYLOAD_KIB * 1024];
        random.nextBytes(payload);
        byte[] m = new byte[12];
        random.nextBytes(m);
        String marker = "NBDCRYPT-MARKER-" + HexFormat.of().formatHex(m);
        Path payloadFile = Files.write(dir.resolve("payload"), payload);
        Path inner = Files.writeString(dir.resolve("inner.sh"), NbdcryptCli.guestScriptPrelude()
                + "MARKER=" + marker + "\n" + resource("provision-guest.sh"));
        // vm/init runs the script in the initramfs; the scenarios run in the chroot of the host's /.
        Path script = Files.writeString(dir.resolve("provision-boot.sh"),
                "mkdir -p /host/tmp/vmtest && cp /vmtest/* /host/tmp/vmtest/ && exec chroot /host /bin/sh /tmp/vmtest/inner.sh\n");
        GuestRun guest = vm.hostRoot().memMib(3072).disks(disks).file(inner).file(payloadFile).timeoutSeconds(1500)
                .run("ProvisionGuestBoot", script);
        ProvisionGuestBoot b = new ProvisionGuestBoot(dir, disks, marker, payload, guest);
        b.writeTimings();
        return b;
    }

    /** provision vs the cryptsetup sequence, also kept under target/vm-logs for the note. */
    private void writeTimings() throws IOException {
        Map<String, String> r = guest.results();
        List<String> lines = new ArrayList<>();
        for (String k : List.of("basic.provision_ms", "cmp.provision_ms", "pa.provision_ms", "pb.provision_ms",
                "pb.fail_ms", "ioc.fail_ms", "mc1.write_ms", "mc1.read_ms", "mc2.write_ms", "mc2.read_ms", "jvm.crashes")) {
            lines.add(k + " " + r.getOrDefault(k, "n/a"));
        }
        Files.write(GuestVm.logDirectory().resolve("ProvisionGuestBoot.timings.txt"), lines);
        System.out.println("[ProvisionGuestBoot] " + String.join(", ", lines));
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = ProvisionGuestBoot.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("test resource " + name + " missing");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static void sparse(Path p, long size) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(size);
        }
    }
}
