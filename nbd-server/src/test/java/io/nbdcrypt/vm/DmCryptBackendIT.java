package io.nbdcrypt.vm;

import io.nbdcrypt.testsupport.Bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nbdcrypt.block.FileBlockDevice;
import io.nbdcrypt.luks2.Luks2Header;
import io.nbdcrypt.luks2.Luks2Volume;
import io.nbdcrypt.luks2.disk.HeaderWriter;
import io.nbdcrypt.luks2.interop.Cryptsetup;
import io.nbdcrypt.testsupport.ExternalTool;
import io.nbdcrypt.testsupport.JvmFlags;
import io.nbdcrypt.testsupport.TestFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dm-crypt backend in the guest kernel, judged by cryptsetup, dmsetup and the kernel NBD
 * client, in one boot ({@code dmcrypt-guest.sh}; the guest runs this host's JDK and
 * {@code nbdcrypt.jar} over 9p):
 *
 * <ul>
 *   <li>the table {@code nbdcrypt open} loads equals the one {@code cryptsetup open} loads for
 *       the same volume, key reference aside (4096-byte sectors with the header on the disk;
 *       512-byte sectors, a 256-bit key, a detached header and all three flags);</li>
 *   <li>a one-segment header with a non-zero iv_tweak: cryptsetup maps it with IV offset 0
 *       (it reads iv_tweak only while reencrypting), nbdcrypt's NBD path applies the tweak, so
 *       the dm-crypt backend refuses it;</li>
 *   <li>{@code nbdcrypt status} prints what {@code cryptsetup status} prints, for cryptsetup's
 *       mapping and for ours; each closes the other's mapping;</li>
 *   <li>a file written through our mapping reads back through {@code /dev/nbd0} served by
 *       {@code nbdcrypt serve}, one written there reads back through our mapping, and
 *       cryptsetup's own mapping reads both; the raw disk holds no plaintext marker;</li>
 *   <li>refusals (device in use, name taken, mapping busy, no dm-crypt module, no
 *       CAP_SYS_ADMIN) leave nothing behind, and no usable key stays in the keyring after an
 *       open, failed or not ({@link DmCryptGuestProbe});</li>
 *   <li>the same fio job on the dm-crypt mapping and on {@code /dev/nbd0}: the ratio goes to
 *       {@code target/vm-logs/DmCryptBackendIT.fio.txt} (TCG slows both);</li>
 *   <li>{@code provision --backend dm-crypt}: the ephemeral volume mapped by the kernel, no
 *       usable key in {@code /proc/keys} while it runs, SIGTERM destroys it (unmounted,
 *       mapping gone), the raw disk holds no marker and no LUKS magic; {@code --backend auto}
 *       takes nbd where the kernel has the NBD client and dm-crypt once it is taken away, and
 *       says which.</li>
 * </ul>
 */
class DmCryptBackendIT {
    private static final int FILE_KIB = 256;
    private static final int FS_MIB = 24;
    private static final int FIO_MIB = 16;
    private static final int FIO_SECONDS = 5;
    private static final long V4K_SIZE = 64L << 20;
    private static final long V512_SIZE = 32L << 20;
    private static final long IV_TWEAK = 24;
    /** A JVM ended by SIGTERM exits 128 + 15 once its shutdown hooks (here: destroy and its report) are done. */
    private static final String SIGTERM_EXIT = "143";
    private static final List<String> PROVISION_DISKS = List.of("prov", "prov3");
    private static final long PROVISION_DISK_SIZE = 64L << 20;

    @TempDir
    static Path dir;

    private static String marker;
    private static GuestRun guest;

    @BeforeAll
    static void bootOnce() throws IOException {
        GuestVm vm = GuestVm.require().hostRoot();
        // Run in the guest from the host's root: fio for the throughput job, setpriv to drop CAP_SYS_ADMIN.
        List.of("fio", "setpriv").forEach(ExternalTool::require);
        Path disks = Files.createDirectories(dir.resolve("disks"));
        Path passphrase = Files.writeString(dir.resolve("passphrase"), random(18), StandardCharsets.US_ASCII);
        Path v4k = TestFiles.sparse(disks.resolve("v4k.img"), V4K_SIZE);
        Cryptsetup.format(v4k, passphrase, concat(Cryptsetup.FAST_PBKDF2, "--type", "luks2", "--sector-size", "4096"));
        Path v512 = TestFiles.sparse(disks.resolve("v512.img"), V512_SIZE);
        // The detached header on a disk of its own: the guest reads it as a block device, as a
        // guest would keep one (cryptsetup does not read headers through 9p's missing O_DIRECT).
        Path header = TestFiles.sparse(disks.resolve("v512hdr.img"), 16L << 20);
        Cryptsetup.format(v512, passphrase, concat(Cryptsetup.FAST_PBKDF2, "--type", "luks2", "--sector-size", "512",
                "--key-size", "256", "--header", header.toString()));
        Path tweaked = Files.copy(header, disks.resolve("tweakhdr.img"));
        setIvTweak(tweaked, IV_TWEAK);
        for (String d : PROVISION_DISKS) {
            TestFiles.sparse(disks.resolve(d + ".img"), PROVISION_DISK_SIZE);
        }
        marker = "nbdcrypt-dm-marker-" + random(9);

        String jar = System.getProperty("nbdcrypt.jar", "");
        assertTrue(Files.isRegularFile(Path.of(jar)), "nbdcrypt.jar not built (run through ./build verify): '" + jar + "'");
        Path testClasses = Path.of(DmCryptGuestProbe.class.getProtectionDomain().getCodeSource().getLocation().getPath());
        List<String> java = JvmFlags.javaCommand();
        String prelude = "JAVA=" + java.get(0) + "\nJAVA_FLAGS='" + String.join(" ", java.subList(1, java.size()))
                + "'\nJAR=" + jar + "\nTEST_CLASSES=" + testClasses + "\nHOST_DIR=" + dir
                + "\nFILE_KIB=" + FILE_KIB + "\nFS_MIB=" + FS_MIB + "\nFIO_MIB=" + FIO_MIB + "\nFIO_SECONDS=" + FIO_SECONDS
                + "\nMARKER=" + marker + "\n";
        Path script = Files.writeString(dir.resolve("dmcrypt-guest.sh"), prelude + resource("dmcrypt-guest.sh"));
        // Each JVM start in a TCG guest takes tens of seconds; the script starts eleven.
        guest = vm.disks(disks).memMib(1536).timeoutSeconds(2100).run("DmCryptBackendIT", script);
        writeFioRatio();
    }

    @Test
    void open_4096ByteSectors_tableEqualsCryptsetups() {
        scenario("v4k");
        String ours = text("table.v4k.ours");
        assertEquals(text("table.v4k.theirs"), ours);
        assertTrue(ours.matches("0 98304 crypt aes-xts-plain64 :64:logon:KEYREF 0 \\d+:\\d+ 32768 1 sector_size:4096"), ours);
        assertEquals("/dev/mapper/ours", text("open.v4k.stdout"));
    }

    @Test
    void open_detachedHeaderAndFlags_tableEqualsCryptsetups() {
        scenario("v512");
        String ours = text("table.v512.ours");
        assertEquals(text("table.v512.theirs"), ours);
        assertTrue(ours.matches("0 65536 crypt aes-xts-plain64 :32:logon:KEYREF 0 \\d+:\\d+ 0"
                + " 3 allow_discards no_read_workqueue no_write_workqueue"), ours);
    }

    @Test
    void open_ivTweakInOneSegmentHeader_refusedWhereCryptsetupIgnoresIt() {
        scenario("tweak");
        scenario("probe");
        String theirs = text("table.tweak.theirs");
        assertTrue(theirs.matches("0 65536 crypt aes-xts-plain64 :32:logon:KEYREF 0 \\d+:\\d+ 0"), theirs);
        assertEquals("UNSUPPORTED", guest.result("probe.tweak"));
        assertEquals("none", guest.result("probe.tweak.keys"));
        assertEquals("unchanged", guest.result("probe.tweak.mappings"));
        assertTrue(guest.console().contains("segment iv_tweak is " + IV_TWEAK), "no message naming iv_tweak");
    }

    @Test
    void status_printsWhatCryptsetupPrints_forTheirsAndOurs() {
        scenario("v4k");
        scenario("v512");
        assertEquals(text("status.v4k.theirs.cryptsetup"), text("status.v4k.theirs.nbdcrypt"));
        assertEquals(text("status.v512.ours.cryptsetup"), text("status.v512.ours.nbdcrypt"));
        // cryptsetup sees our mapping as it sees its own.
        assertEquals(text("status.v4k.theirs.cryptsetup").replace("/theirs ", "/ours "), text("status.v4k.ours.cryptsetup"));
        assertEquals(text("status.v512.theirs.cryptsetup").replace("/theirs512 ", "/ours512 "),
                text("status.v512.ours.cryptsetup"));
        assertTrue(text("status.v512.ours.nbdcrypt").contains("  flags:   discards no_read_workqueue no_write_workqueue"),
                text("status.v512.ours.nbdcrypt"));
    }

    @Test
    void close_eachClosesTheOthersMapping() {
        assertEquals("gone", guest.result("close.theirs.by-nbdcrypt"));
        assertEquals("gone", guest.result("close.ours.by-cryptsetup"));
        assertEquals("gone", guest.result("close.ours512.by-cryptsetup"));
        assertEquals("gone", guest.result("probe.close"));
        assertEquals("gone", guest.result("probe.live.closed"));
    }

    @Test
    void data_crossesOurMappingNbdAndCryptsetupBothWays() {
        scenario("ours_writes");
        scenario("nbd");
        scenario("cryptsetup_reads");
        scenario("probe");
        String f1 = guest.result("ours.f1.written");
        assertEquals(f1, guest.result("nbd.f1.read"), "f1 written through dm-crypt, read through /dev/nbd0");
        assertEquals(f1, guest.result("cs.f1"), "f1 read by cryptsetup");
        String f2 = guest.result("nbd.f2.written");
        assertEquals(f2, guest.result("ours.f2.read"), "f2 written through /dev/nbd0, read through our mapping");
        assertEquals(f2, guest.result("cs.f2"), "f2 read by cryptsetup");
    }

    @Test
    void rawDisk_holdsNoPlaintext() throws IOException {
        scenario("ours_writes");
        scenario("nbd");
        byte[] raw = Files.readAllBytes(dir.resolve("disks/v4k.img"));
        assertEquals(-1, Bytes.indexOf(raw, marker.getBytes(StandardCharsets.US_ASCII)), "marker text found on the raw disk");
    }

    @Test
    void refusals_leaveNoMappingNodeOrKeyBehind() {
        scenario("probe");
        assertEquals("DEVICE_IN_USE", guest.result("probe.inuse"));
        assertEquals("NAME_TAKEN", guest.result("probe.nametaken"));
        assertEquals("MAPPING_BUSY", guest.result("probe.busy"));
        assertEquals("ok", guest.result("probe.nocrypt.rmmod"));
        assertEquals("UNAVAILABLE", guest.result("probe.nocrypt"));
        assertEquals("missing", guest.result("probe.nocrypt.node"));
        for (String c : List.of("inuse", "nametaken", "busy", "tweak", "nocrypt")) {
            assertEquals("none", guest.result("probe." + c + ".keys"), c + ": a usable key stayed in the keyring");
            assertEquals("unchanged", guest.result("probe." + c + ".mappings"), c + ": mappings changed");
        }
        assertTrue(guest.console().contains("this kernel has no dm-crypt target"), "no clear message for missing dm-crypt");
    }

    @Test
    void open_keyLeavesTheKeyringOnceTheTableIsLive() {
        scenario("probe");
        assertEquals("present", guest.result("probe.live.node"));
        assertEquals("none", guest.result("probe.live.keys"));
    }

    @Test
    void destroy_mappingHeldOpen_keyLeavesAtOnceMappingAtLastClose() {
        scenario("probe");
        assertEquals("deferred", guest.result("probe.held.destroy"));
        assertEquals("error", guest.result("probe.held.table"), "the crypt table (and its key) still in the kernel");
        assertEquals("failed", guest.result("probe.held.read"));
        assertEquals("gone", guest.result("probe.held.gone"));
    }

    @Test
    void open_withoutCapSysAdmin_exit2NamingIt() {
        scenario("nocap");
        assertEquals("2", guest.result("nocap.exit"), "cryptsetup's no permission");
        assertTrue(text("nocap.message").contains("CAP_SYS_ADMIN"), text("nocap.message"));
        assertEquals("gone", guest.result("nocap.mapping"));
    }

    @Test
    void fio_sameJobOnBothPaths_completes() {
        for (String path : List.of("dm", "nbd")) {
            for (String rw : List.of("write", "read")) {
                assertTrue(Long.parseLong(guest.result("fio." + path + "." + rw)) > 0, path + " " + rw);
            }
        }
    }

    @Test
    void provision_dmCrypt_kernelCarriesTheEphemeralVolumeDestroyLeavesNothing() throws IOException {
        scenario("prov_dm");
        String line = text("pdm.line");
        assertTrue(line.contains("\"device\":\"/dev/mapper/nbdcrypt-prov\"") && line.contains("\"backend\":\"dm-crypt mapping"),
                line);
        String table = text("pdm.table");
        assertTrue(table.matches("0 \\d+ crypt aes-xts-plain64 :64:logon:KEYREF 0 \\d+:\\d+ 0 1 sector_size:4096"), table);
        assertTrue(text("pdm.status").contains("  key location: keyring"), text("pdm.status"));
        assertEquals("0", guest.result("pdm.keys"), "a usable nbdcrypt key in /proc/keys while provisioned");
        assertEquals("nosuid,nodev", guest.result("pdm.mounted"));
        assertEquals(SIGTERM_EXIT, guest.result("pdm.exit"));
        String destroyed = text("pdm.destroyed");
        assertTrue(destroyed.contains("\"ok\":true") && destroyed.contains("\"detach\":\"detached /dev/mapper/nbdcrypt-prov\""),
                destroyed);
        assertEquals("gone", guest.result("pdm.mapping"));
        assertEquals("yes", guest.result("pdm.unmounted"));
        assertRawHoldsNothing("prov");
    }

    @Test
    void provision_auto_nbdWhereTheKernelHasItDmCryptOtherwise() throws IOException {
        scenario("probe");
        scenario("prov_auto_dm");
        assertEquals("nbd", guest.result("probe.auto"), "auto while the guest kernel has the NBD client");
        assertTrue(text("pad.line").contains("\"backend\":\"dm-crypt mapping nbdcrypt-prov3"), text("pad.line"));
        assertTrue(text("pad.stderr").contains("auto: this kernel has no NBD client"), text("pad.stderr"));
        assertEquals(SIGTERM_EXIT, guest.result("pad.exit"));
        assertTrue(text("pad.destroyed").contains("\"ok\":true"), text("pad.destroyed"));
        assertRawHoldsNothing("prov3");
    }

    /** An ephemeral volume's raw disk after destroy: neither the marker text nor a LUKS header anywhere. */
    private static void assertRawHoldsNothing(String disk) throws IOException {
        HostImages.assertNoMarkerNoLuksMagic(dir.resolve("disks/" + disk + ".img"), marker);
    }

    private static void scenario(String name) {
        if (!"pass".equals(guest.result("scenario." + name))) {
            throw new AssertionError("guest scenario '" + name + "' failed (" + guest.result("scenario." + name)
                    + "); console log:\n" + guest.console());
        }
    }

    private static String text(String name) {
        return new String(Base64.getDecoder().decode(guest.result(name)), StandardCharsets.UTF_8);
    }

    /** KiB/s of each path and dm-crypt's throughput over NBD's, for the issue note. */
    private static void writeFioRatio() throws IOException {
        StringBuilder b = new StringBuilder("same fio job (1 MiB, QD16, direct, " + FIO_SECONDS + " s, " + FIO_MIB
                + " MiB region) in the TCG guest\n");
        for (String rw : List.of("write", "read")) {
            String dm = guest.results().get("fio.dm." + rw);
            String nbd = guest.results().get("fio.nbd." + rw);
            if (dm != null && nbd != null && Long.parseLong(nbd) > 0) {
                b.append(String.format(Locale.ROOT, "%-5s dm-crypt %d KiB/s, nbd %d KiB/s, dm-crypt/nbd %.2f%n", rw,
                        Long.parseLong(dm), Long.parseLong(nbd), Double.parseDouble(dm) / Double.parseDouble(nbd)));
            }
        }
        Files.writeString(GuestVm.logDirectory().resolve("DmCryptBackendIT.fio.txt"), b);
        System.out.print(b);
    }

    /** Rewrites the detached header's segment iv_tweak (both copies, checksums, seqid + 1), as a header editor would. */
    private static void setIvTweak(Path header, long tweak) throws IOException {
        try (FileBlockDevice dev = FileBlockDevice.open(header, false)) {
            Luks2Header h = Luks2Volume.open(dev, io.nbdcrypt.luks.common.HeaderLocation.DETACHED).header();
            ObjectNode json = h.json();
            ((ObjectNode) json.get("segments").get("0")).put("iv_tweak", Long.toString(tweak));
            byte[] text = new ObjectMapper().writeValueAsBytes(json);
            byte[] area = new byte[(int) h.hdrSize() - 4096];
            System.arraycopy(text, 0, area, 0, text.length);
            HeaderWriter.writeBoth(dev, h.binary(), h.seqid() + 1, area);
        }
        // cryptsetup accepts the edited header and reads the new tweak (its table then shows it).
        String json = Cryptsetup.run(List.of("luksDump", "--dump-json-metadata", header.toString())).assertSuccess()
                .stdoutText();
        assertTrue(json.replace(" ", "").contains("\"iv_tweak\":\"" + tweak + "\""), json);
    }

    private static String random(int bytes) {
        byte[] b = new byte[bytes];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static List<String> concat(List<String> a, String... b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(List.of(b));
        return out;
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = DmCryptBackendIT.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new AssertionError("test resource io/nbdcrypt/vm/" + name + " missing");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
