package io.nbdcrypt.vm;

import io.nbdcrypt.testsupport.ExternalTool;
import io.nbdcrypt.testsupport.TestFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.opentest4j.TestAbortedException;

/**
 * One guest boot shared by three IT classes, so the kernel judges nbdcrypt's LUKS2 volumes
 * and NBD server in both directions for the price of a single boot (about 10 s under TCG):
 *
 * <ol>
 *   <li>{@link KernelNbdClientIT}: the host formats {@code served.img} with {@code nbdcrypt
 *       format} and serves it with {@code nbdcrypt serve}; the guest's kernel NBD client
 *       writes an ext4 with 1 KiB blocks into the volume's last {@link #TAIL_MIB} MiB through a
 *       512-byte {@code /dev/nbd1} (partial sectors: the server's read-modify-write), then an
 *       ext4 with 4 KiB blocks on the rest through a 4096-byte {@code /dev/nbd0} with a host
 *       file and a guest file, and reads every file back with its caches dropped. The host
 *       then copies the export out through the socket and stops the server with SIGTERM.</li>
 *   <li>{@link DmCryptReadsServedVolumesIT}: in the same boot the guest opens the same image
 *       file, attached as a virtio disk, with its own {@code cryptsetup open} (dm-crypt) and
 *       hashes the files of the 4 KiB-block ext4 (dm-crypt gives this volume 4096-byte logical
 *       blocks, too large for the 1 KiB-block one). Sharing the file while the server runs is sound: the server's
 *       writes are in the host's page cache once the guest's unmount has flushed them, QEMU
 *       reads the raw file through that cache, and dm-crypt's reads skip the guest's own page
 *       cache. A second boot after the server stops would prove nothing more (the host's
 *       checks after SIGTERM cover the stopped state) and cost another 10 s.</li>
 *   <li>{@link DmCryptReadsServedVolumesIT} also: before the boot the host formats
 *       {@code host512.img} with the choices served.img does not use (512-byte sectors, a
 *       256-bit key) and copies an ext4 made by {@code mke2fs -d} into it through {@code
 *       nbdcrypt serve} with {@code nbdcopy}; the guest's dm-crypt reads its file.</li>
 *   <li>{@link ServeGuestLuksVolumeIT}: the guest also runs {@code cryptsetup luksFormat} on
 *       two blank disks (4096- and 512-byte sectors) and writes an ext4 with a file through
 *       dm-crypt; after the guest powers off the host serves them with {@code nbdcrypt
 *       serve}.</li>
 * </ol>
 *
 * <p>{@link #get()} boots on first use and hands every later caller the same result (or the
 * same failure: a broken boot is not retried per class). The files live in a temporary
 * directory removed when the test JVM exits.
 */
final class LuksGuestBoot {
    static final int FILE_KIB = 300;
    /** MiB at the end of the served volume where the guest writes an ext4 with 1 KiB blocks (partial sectors). */
    static final int TAIL_MIB = 8;
    /** served.img: a 16 MiB LUKS2 header area and a 32 MiB data segment. */
    private static final long SERVED_SIZE = 48L << 20;
    /** Where cryptsetup and nbdcrypt format put the data segment by default: after a 16 MiB header area. */
    private static final long DATA_OFFSET = 16L << 20;
    /** cryptsetup's own volumes and host512.img: 16 MiB of data after the header area. */
    private static final long GUEST_DISK_SIZE = 32L << 20;
    /** Sector sizes of the volumes cryptsetup formats in the guest, named {@code cs<size>}. */
    static final List<Integer> GUEST_SECTOR_SIZES = List.of(4096, 512);

    private static LuksGuestBoot booted;
    private static Throwable failed;

    final Path dir;
    final Path passphrase;
    /** The LUKS2 image nbdcrypt formatted and served; the guest wrote through the server. */
    final Path served;
    /** The random file the host gave the guest to copy in. */
    final byte[] fromHost;
    /** The random file in the ext4 the host copied into host512.img through nbdcrypt serve. */
    final byte[] inHostVolume;
    /** The export as nbdcopy read it through the running server after the guest powered off. */
    final Path exported;
    final GuestRun guest;

    private LuksGuestBoot(Path dir, Path passphrase, Path served, byte[] fromHost, byte[] inHostVolume, Path exported,
            GuestRun guest) {
        this.dir = dir;
        this.passphrase = passphrase;
        this.served = served;
        this.fromHost = fromHost;
        this.inHostVolume = inHostVolume;
        this.exported = exported;
        this.guest = guest;
    }

    /** The guest run, booting it first if no class has yet. */
    static synchronized LuksGuestBoot get() throws IOException {
        if (failed instanceof TestAbortedException skipped) {
            throw skipped; // no guest on this host (outside CI): every class skips alike
        }
        if (failed != null) {
            throw new AssertionError("the shared guest boot failed earlier", failed);
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

    /**
     * Fails (with the console log) unless the guest's scenario {@code name} ran to its end:
     * the script runs each scenario on its own and reports {@code scenario.NAME pass} or
     * {@code exit=N}, so one broken direction does not hide the others.
     */
    void assertScenarioPassed(String name) {
        if (!"pass".equals(guest.result("scenario." + name))) {
            throw new AssertionError("guest scenario '" + name + "' failed (" + guest.result("scenario." + name)
                    + "); console log:\n" + guest.console());
        }
    }

    /** The volume's last {@link #TAIL_MIB} MiB of a plaintext image, as a file system image of its own. */
    Path tail(Path plainImage) throws IOException {
        Path out = dir.resolve(plainImage.getFileName() + ".tail");
        long tail = (long) TAIL_MIB << 20;
        try (FileChannel in = FileChannel.open(plainImage);
                FileChannel to = FileChannel.open(out, StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            long from = in.size() - tail;
            for (long done = 0; done < tail; ) {
                done += in.transferTo(from + done, tail - done, to);
            }
        }
        return out;
    }

    /** A guest volume made by cryptsetup in the guest, e.g. {@code cs4096.img}. */
    Path guestVolume(int sectorSize) {
        return dir.resolve("disks/cs" + sectorSize + ".img");
    }

    private static LuksGuestBoot boot() throws IOException {
        GuestVm vm = GuestVm.require();
        List.of("nbdcopy", "debugfs", "e2fsck", "cryptsetup").forEach(ExternalTool::require);
        Path dir = Files.createTempDirectory("nbdcrypt-luks-guest");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
        Path disks = Files.createDirectories(dir.resolve("disks"));
        SecureRandom random = new SecureRandom();

        Path passphrase = writePassphrase(dir.resolve("passphrase"), random);
        Path served = TestFiles.sparse(disks.resolve("served.img"), SERVED_SIZE);
        NbdcryptCli.format(served, passphrase);
        for (int sectorSize : GUEST_SECTOR_SIZES) {
            TestFiles.sparse(disks.resolve("cs" + sectorSize + ".img"), GUEST_DISK_SIZE);
        }
        byte[] inHostVolume = writeHostVolume(dir, disks.resolve("host512.img"), passphrase, random);
        byte[] fromHost = new byte[FILE_KIB * 1024];
        random.nextBytes(fromHost);
        Path hostFile = Files.write(dir.resolve("fromhost"), fromHost);
        Path script = Files.writeString(dir.resolve("luks-guest.sh"), "FILE_KIB=" + FILE_KIB + "\nTAIL_MIB=" + TAIL_MIB + "\n"
                + guestScript());

        Path exported = dir.resolve("exported.img");
        GuestRun guest;
        try (NbdcryptCli.Server server = NbdcryptCli.serve(served, passphrase, dir.resolve("nbd.sock"), false,
                GuestVm.logDirectory().resolve("LuksGuestBoot.serve.log"))) {
            guest = vm.disks(disks).nbdSocket(server.socket()).file(passphrase).file(hostFile).timeoutSeconds(240)
                    .run("LuksGuestBoot", script);
            HostImages.copyExport(server.uri(), exported);
            server.stop();
        }
        return new LuksGuestBoot(dir, passphrase, served, fromHost, inHostVolume, exported, guest);
    }

    /**
     * Makes {@code volume} with {@code nbdcrypt format --sector-size 512 --key-size 256} and
     * copies in, through {@code nbdcrypt serve}, an ext4 image holding one random file
     * ({@code /f}) made by {@code mke2fs -d}; returns the file's bytes.
     */
    private static byte[] writeHostVolume(Path dir, Path volume, Path passphrase, SecureRandom random)
            throws IOException {
        byte[] file = new byte[FILE_KIB * 1024];
        random.nextBytes(file);
        Path content = Files.createDirectories(dir.resolve("host512-content"));
        Files.write(content.resolve("f"), file);
        Path fs = TestFiles.sparse(dir.resolve("host512-fs.img"), GUEST_DISK_SIZE - DATA_OFFSET);
        ExternalTool.run(ExternalTool.require("mke2fs").toString(), "-q", "-F", "-t", "ext4", "-d", content.toString(),
                fs.toString()).assertSuccess();
        TestFiles.sparse(volume, GUEST_DISK_SIZE);
        NbdcryptCli.format(volume, passphrase, "--sector-size", "512", "--key-size", "256");
        try (NbdcryptCli.Server server = NbdcryptCli.serve(volume, passphrase, dir.resolve("host512.sock"), false,
                GuestVm.logDirectory().resolve("LuksGuestBoot.host512.serve.log"))) {
            ExternalTool.run(List.of(ExternalTool.require("nbdcopy").toString(), fs.toString(), server.uri()), null, 120)
                    .assertSuccess();
            server.stop();
        }
        return file;
    }

    /** A random printable passphrase (cryptsetup and nbdcrypt both take the key file's bytes as they are). */
    private static Path writePassphrase(Path file, SecureRandom random) throws IOException {
        byte[] raw = new byte[24];
        random.nextBytes(raw);
        return Files.writeString(file, Base64.getEncoder().encodeToString(raw), StandardCharsets.US_ASCII);
    }

    private static String guestScript() throws IOException {
        try (InputStream in = LuksGuestBoot.class.getResourceAsStream("luks-guest.sh")) {
            if (in == null) {
                throw new AssertionError("test resource io/nbdcrypt/vm/luks-guest.sh missing");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort: the directory is under java.io.tmpdir
        }
    }
}
