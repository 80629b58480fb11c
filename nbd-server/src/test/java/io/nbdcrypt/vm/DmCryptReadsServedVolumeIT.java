package io.nbdcrypt.vm;

import static io.nbdcrypt.vm.HostImages.sha256;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The guest's own dm-crypt ({@code cryptsetup open}) reads the LUKS2 volume that nbdcrypt
 * formatted and the kernel NBD client wrote through {@code nbdcrypt serve}, in the same boot
 * (see {@link LuksGuestBoot} for why sharing the image file is sound): same size, same files.
 */
class DmCryptReadsServedVolumeIT {
    private static LuksGuestBoot boot;

    @BeforeAll
    static void bootOnce() throws IOException {
        boot = LuksGuestBoot.get();
        boot.assertScenarioPassed("served");
    }

    @Test
    void cryptsetupOpen_servedVolume_sizeEqualsNbdExport() {
        assertEquals(boot.guest.result("nbd.size"), boot.guest.result("served.size"), "dm-crypt mapping vs /dev/nbd0");
    }

    @Test
    void cryptsetupOpen_servedVolume_readsHostFile() {
        assertEquals(sha256(boot.fromHost), boot.guest.result("served.fromhost"), "/fromhost read by dm-crypt");
    }

    @Test
    void cryptsetupOpen_servedVolume_readsGuestFile() {
        assertEquals(boot.guest.result("nbd.fromguest.written"), boot.guest.result("served.fromguest"),
                "/fromguest read by dm-crypt");
    }
}
