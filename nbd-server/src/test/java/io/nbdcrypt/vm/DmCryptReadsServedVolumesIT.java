package io.nbdcrypt.vm;

import static io.nbdcrypt.vm.HostImages.sha256;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The guest's own dm-crypt ({@code cryptsetup open}) reads LUKS2 volumes that nbdcrypt
 * formatted and {@code nbdcrypt serve} wrote (the shared boot, {@link LuksGuestBoot}):
 *
 * <ul>
 *   <li>served.img (4096-byte sectors, 512-bit key), written by the guest's kernel NBD client
 *       earlier in the same boot (see {@link LuksGuestBoot} for why sharing the image file is
 *       sound): same size, same files;</li>
 *   <li>host512.img (512-byte sectors, 256-bit key), into which the host copied an ext4 with
 *       {@code nbdcopy} before the boot: dm-crypt maps it with those parameters and reads the
 *       file.</li>
 * </ul>
 */
class DmCryptReadsServedVolumesIT {
    private static LuksGuestBoot boot;

    @BeforeAll
    static void bootOnce() throws IOException {
        boot = LuksGuestBoot.get();
    }

    @Test
    void cryptsetupOpen_kernelWrittenVolume_sizeEqualsNbdExport() {
        boot.assertScenarioPassed("served");
        assertEquals(boot.guest.result("nbd.size"), boot.guest.result("served.size"), "dm-crypt mapping vs /dev/nbd0");
    }

    @Test
    void cryptsetupOpen_kernelWrittenVolume_readsHostFile() {
        boot.assertScenarioPassed("served");
        assertEquals(sha256(boot.fromHost), boot.guest.result("served.fromhost"), "/fromhost read by dm-crypt");
    }

    @Test
    void cryptsetupOpen_kernelWrittenVolume_readsGuestFile() {
        boot.assertScenarioPassed("served");
        assertEquals(boot.guest.result("nbd.fromguest.written"), boot.guest.result("served.fromguest"),
                "/fromguest read by dm-crypt");
    }

    /** The premise of the next test: dm-crypt took nbdcrypt's header as 512-byte sectors and a 256-bit key. */
    @Test
    void cryptsetupOpen_hostWrittenVolume_mapsNbdcryptFormatChoices() {
        boot.assertScenarioPassed("host512");
        assertEquals("256", boot.guest.result("host512.keysize"), "dm-crypt key size (bits)");
        assertEquals("512", boot.guest.result("host512.sectorsize"), "dm-crypt sector size");
    }

    @Test
    void cryptsetupOpen_hostWrittenVolume_readsFileNbdcopyWroteThroughServer() {
        boot.assertScenarioPassed("host512");
        assertEquals(sha256(boot.inHostVolume), boot.guest.result("host512.f"), "/f read by dm-crypt");
    }
}
