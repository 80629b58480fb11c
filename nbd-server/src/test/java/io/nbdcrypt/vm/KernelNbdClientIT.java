package io.nbdcrypt.vm;

import static io.nbdcrypt.vm.HostImages.sha256;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The guest kernel's NBD client against {@code nbdcrypt serve} on a LUKS2 image made by
 * {@code nbdcrypt format} (the shared boot, {@link LuksGuestBoot}): the guest attaches
 * {@code /dev/nbd0}, makes an ext4, copies in a host file, writes one of its own, drops its
 * caches and reads both back; before that, through a 512-byte {@code /dev/nbd1}, it does the
 * same with an ext4 of 1 KiB blocks in the volume's tail, whose writes patch parts of the
 * volume's 4096-byte sectors.
 *
 * <p>Then the host judges with tools that are not ours: through the running server,
 * {@code nbdcopy} + {@code e2fsck} + {@code debugfs}; after SIGTERM, the raw image must hold
 * none of the plaintext, and cryptsetup's volume key with Python's AES-XTS must decrypt it to
 * the same clean file system, exactly as dm-crypt would see it.
 */
class KernelNbdClientIT {
    private static LuksGuestBoot boot;
    /** served.img after the server stopped, decrypted as dm-crypt would (cryptsetup's key, Python's XTS). */
    private static Path decrypted;

    @BeforeAll
    static void bootOnce() throws IOException {
        boot = LuksGuestBoot.get();
        boot.assertScenarioPassed("nbd");
        decrypted = HostImages.decryptLikeDmCrypt(boot.served, boot.passphrase, boot.dir.resolve("served-plain.img"));
    }

    @Test
    void kernelClient_mkfsAndWrites_exportIsCleanExt4() {
        HostImages.assertCleanExt4(boot.exported);
    }

    @Test
    void kernelClient_copiesHostFile_exportHoldsSameBytes() {
        assertArrayEquals(boot.fromHost, HostImages.catFile(boot.exported, "/fromhost"), "/fromhost read through the server");
    }

    @Test
    void kernelClient_writesGuestFile_exportHoldsGuestBytes() {
        assertEquals(guestFileSha(), sha256(HostImages.catFile(boot.exported, "/fromguest")),
                "sha256 of /fromguest, guest vs read through the server");
    }

    @Test
    void kernelClient_rereadsWithCachesDropped_getsWhatWasWritten() {
        assertEquals(sha256(boot.fromHost), boot.guest.result("nbd.fromhost.read"), "guest re-read /fromhost");
        assertEquals(guestFileSha(), boot.guest.result("nbd.fromguest.read"), "guest re-read /fromguest");
    }

    @Test
    void kernelClient_deviceSize_isLuksDataSegmentSize() throws IOException {
        long segmentSize = Files.size(boot.served) - HostImages.segment(boot.served).offset();
        assertEquals(Long.toString(segmentSize), boot.guest.result("nbd.size"), "/dev/nbd0 size vs cryptsetup's segment");
    }

    @Test
    void serverStopped_rawImage_holdsNoPlaintextBlock() throws IOException {
        boot.assertScenarioPassed("tail");
        byte[] fromGuest = HostImages.catFile(boot.exported, "/fromguest");
        byte[] f1k = HostImages.catFile(boot.tail(boot.exported), "/f1k");
        List<Long> found = HostImages.plaintextBlocksIn(boot.served, List.of(boot.fromHost, fromGuest, f1k));
        assertEquals(0, found.size(), () -> found.size() + " blocks of file data in the clear in served.img, at "
                + found.subList(0, Math.min(8, found.size())) + "...");
    }

    @Test
    void serverStopped_cryptsetupKeyAndPythonXts_decryptToSameCleanExt4() {
        HostImages.assertCleanExt4(decrypted);
        assertArrayEquals(boot.fromHost, HostImages.catFile(decrypted, "/fromhost"), "/fromhost decrypted independently");
        assertEquals(guestFileSha(), sha256(HostImages.catFile(decrypted, "/fromguest")),
                "sha256 of /fromguest decrypted independently");
    }

    @Test
    void kernelClientPartialSectors_rereadsWithCachesDropped_getsWhatWasWritten() {
        boot.assertScenarioPassed("tail");
        assertEquals(boot.guest.result("tail.f1k.written"), boot.guest.result("tail.f1k.read"), "guest re-read /f1k");
    }

    @Test
    void kernelClientPartialSectors_exportTail_isCleanExt4HoldingGuestFile() throws IOException {
        assertTailHoldsGuestFile(boot.tail(boot.exported), "read through the server");
    }

    @Test
    void serverStopped_cryptsetupKeyAndPythonXts_decryptTailToSameCleanExt4() throws IOException {
        assertTailHoldsGuestFile(boot.tail(decrypted), "decrypted independently");
    }

    /** The 1 KiB-block ext4 the guest wrote through 512-byte requests: clean, with its /f1k. */
    private static void assertTailHoldsGuestFile(Path tail, String how) {
        boot.assertScenarioPassed("tail");
        HostImages.assertCleanExt4(tail);
        assertEquals(boot.guest.result("tail.f1k.written"), sha256(HostImages.catFile(tail, "/f1k")),
                "sha256 of /f1k in the volume's tail, " + how);
    }

    private static String guestFileSha() {
        return boot.guest.result("nbd.fromguest.written");
    }
}
