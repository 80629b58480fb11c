package io.nbdcrypt.vm;

import io.nbdcrypt.crypto.Passphrase;
import io.nbdcrypt.kernel.dm.DmCrypt;
import io.nbdcrypt.kernel.dm.DmCryptException;
import io.nbdcrypt.kernel.dm.DmCryptOptions;
import io.nbdcrypt.kernel.dm.MappingName;
import io.nbdcrypt.linux.DeviceMapper;
import io.nbdcrypt.provision.Backends;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;

/**
 * Runs inside the test guest (one JVM, as a Java agent would call the library): the
 * dm-crypt backend's refusals and its key hygiene (and which backend {@code provision
 * --backend auto} picks here), which a process that exits after each
 * command could not show. After every call, successful or not, this process's keyring must
 * hold no usable {@code nbdcrypt:} key ({@code /proc/keys}), and a refusal must leave no
 * mapping and no node behind. Prints {@code RESULT probe.<case> <outcome>} lines for
 * {@link DmCryptBackendIT}; the cases run in order, each on its own.
 *
 * <p>Arguments: the 4096-byte-sector volume's device (already opened by the script as
 * {@code ours} and mounted at MOUNT), the detached-header volume's device and header, that
 * header with a non-zero iv_tweak, the passphrase file, MOUNT.
 */
public final class DmCryptGuestProbe {
    private final DmCrypt dm = DmCrypt.system();
    private final Path v4k;
    private final Path v512;
    private final Path header512;
    private final Path tweakHeader;
    private final byte[] passphrase;
    private final Path mount;

    private DmCryptGuestProbe(String[] a) throws IOException {
        v4k = Path.of(a[0]);
        v512 = Path.of(a[1]);
        header512 = Path.of(a[2]);
        tweakHeader = Path.of(a[3]);
        passphrase = Files.readAllBytes(Path.of(a[4]));
        mount = Path.of(a[5]);
    }

    public static void main(String[] args) throws Exception {
        DmCryptGuestProbe p = new DmCryptGuestProbe(args);
        MappingName ours = new MappingName("ours");
        p.expectRefusal("inuse", () -> p.open(p.v4k, Optional.empty(), "second"));
        p.expectRefusal("nametaken", () -> p.open(p.v512, Optional.of(p.header512), "ours"));
        p.expectRefusal("busy", () -> p.dm.close(ours));
        p.expectRefusal("tweak", () -> p.open(p.v512, Optional.of(p.tweakHeader), "tweak"));
        p.liveKeyGone();
        p.destroyWhileHeld();
        // What provision --backend auto would take in this guest, which has the NBD client.
        result("auto", Backends.choose("auto").backend().name());
        p.unmountAndClose(ours);
        p.dmCryptMissing();
    }

    /** Runs {@code call}, which must fail with a DmCryptException; reports its reason, keys and mappings after. */
    private void expectRefusal(String name, Call call) throws IOException {
        List<String> before = mappings();
        String outcome;
        try {
            call.run();
            outcome = "succeeded";
        } catch (DmCryptException e) {
            outcome = e.reason().name();
            System.out.println("probe " + name + ": " + e.getMessage());
        } catch (IOException | RuntimeException e) {
            outcome = e.getClass().getSimpleName();
            System.out.println("probe " + name + ": " + e);
        }
        result(name, outcome);
        result(name + ".keys", liveKeys().isEmpty() ? "none" : "left:" + liveKeys().size());
        result(name + ".mappings", mappings().equals(before) ? "unchanged" : "changed:" + String.join(",", mappings()));
    }

    /** While a mapping made by this process is live, its key is already out of the keyring. */
    private void liveKeyGone() throws IOException {
        MappingName k = new MappingName("k512");
        try (Passphrase pass = secret()) {
            dm.open(v512, Optional.of(header512), pass, k, DmCryptOptions.defaults());
        }
        result("live.keys", liveKeys().isEmpty() ? "none" : "left:" + liveKeys().size());
        result("live.node", Files.exists(Path.of("/dev/mapper/k512")) ? "present" : "missing");
        dm.close(k);
        result("live.closed", dm.status(k).isEmpty() && !Files.exists(Path.of("/dev/mapper/k512")) ? "gone" : "left");
    }

    /**
     * destroy while a program still holds the mapping open (as a lazily unmounted file system
     * would): the crypt table, and with it the key, leave the kernel at once (an error target
     * instead, so the holder's reads fail), and the mapping goes when the holder closes it.
     */
    private void destroyWhileHeld() throws IOException, InterruptedException {
        MappingName k = new MappingName("held512");
        try (Passphrase pass = secret()) {
            dm.open(v512, Optional.of(header512), pass, k, DmCryptOptions.defaults());
        }
        try (FileChannel holder = FileChannel.open(Path.of("/dev/mapper/held512"), StandardOpenOption.READ)) {
            String done = dm.destroy(k);
            System.out.println("probe held: " + done);
            result("held.destroy", done.startsWith("key dropped") ? "deferred" : "removed");
            try (DeviceMapper control = DeviceMapper.open()) {
                result("held.table", String.join(",", control.table(k.value()).stream().map(t -> t.type()).toList()));
            }
            String read;
            try {
                holder.read(ByteBuffer.allocate(4096), 1 << 20);
                read = "ok";
            } catch (IOException e) {
                read = "failed";
            }
            result("held.read", read);
        }
        // The kernel removes a deferred device from a work queue once the last opener is gone.
        for (int i = 0; i < 50 && dm.status(k).isPresent(); i++) {
            Thread.sleep(100);
        }
        result("held.gone", dm.status(k).isEmpty() && !Files.exists(Path.of("/dev/mapper/held512")) ? "gone" : "left");
    }

    private void unmountAndClose(MappingName ours) throws IOException, InterruptedException {
        int rc = new ProcessBuilder("umount", mount.toString()).inheritIO().start().waitFor();
        dm.close(ours);
        result("close", rc == 0 && dm.status(ours).isEmpty() && !Files.exists(Path.of("/dev/mapper/ours")) ? "gone" : "left");
    }

    /**
     * No dm-crypt: the module unloaded and the kernel's module loader pointed at /bin/false,
     * so the table load cannot pull it in. This is the failure after the key went into the
     * keyring and the device was created: both must be gone again.
     */
    private void dmCryptMissing() throws IOException, InterruptedException {
        Path modprobe = Path.of("/proc/sys/kernel/modprobe");
        String loader = Files.readString(modprobe).strip();
        int rmmod = new ProcessBuilder("rmmod", "dm_crypt").inheritIO().start().waitFor();
        Files.writeString(modprobe, "/bin/false\n");
        try {
            result("nocrypt.rmmod", rmmod == 0 ? "ok" : "exit" + rmmod);
            expectRefusal("nocrypt", () -> open(v4k, Optional.empty(), "ours"));
            result("nocrypt.node", Files.exists(Path.of("/dev/mapper/ours")) ? "present" : "missing");
        } finally {
            Files.writeString(modprobe, loader + "\n");
            new ProcessBuilder("modprobe", "dm_crypt").inheritIO().start().waitFor();
        }
    }

    private void open(Path device, Optional<Path> header, String name) throws IOException {
        try (Passphrase pass = secret()) {
            dm.open(device, header, pass, new MappingName(name), DmCryptOptions.defaults());
        }
    }

    private Passphrase secret() {
        return Passphrase.copyOf(passphrase);
    }

    /** Usable keys of ours in /proc/keys: listed, described nbdcrypt:..., not revoked (flag R) or dead. */
    private static List<String> liveKeys() throws IOException {
        return Files.readAllLines(Path.of("/proc/keys")).stream()
                .filter(l -> l.contains(" nbdcrypt:"))
                .filter(l -> {
                    String flags = l.trim().split("\\s+")[1];
                    return flags.indexOf('R') < 0 && flags.indexOf('D') < 0;
                })
                .toList();
    }

    private static List<String> mappings() throws IOException {
        try (DeviceMapper dm = DeviceMapper.open()) {
            return dm.names();
        }
    }

    private static void result(String name, String value) {
        System.out.println("RESULT probe." + name + " " + value);
    }

    private interface Call {
        void run() throws IOException;
    }
}
