package io.nbdcrypt.vm;

import static io.nbdcrypt.vm.HostImages.sha256;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code nbdcrypt provision} in the guest on a virtio scratch disk (the shared boot,
 * {@link ProvisionGuestBoot}): the files written read back after a remount, destroy from
 * another shell unmounts, detaches and exits 0; and the host, reading the raw image after the
 * guest powered off, finds no marker, no block of the payload and no LUKS header, yet
 * ciphertext (so the search had something to search).
 */
class ProvisionIT {
    private static ProvisionGuestBoot boot;

    @BeforeAll
    static void bootOnce() throws IOException {
        boot = ProvisionGuestBoot.get();
        boot.assertScenarioPassed("basic");
    }

    @Test
    void provision_mountsNodevNosuid() {
        assertEquals("nosuid,nodev", boot.result("basic.mounted"));
    }

    @Test
    void provision_remounted_readsBackWhatWasWritten() {
        assertEquals(boot.result("basic.random.written"), boot.result("basic.random.read"), "guest random file");
        assertEquals(sha256(boot.payload), boot.result("basic.payload.read"), "host payload");
        assertEquals(boot.marker, boot.result("basic.marker.read"));
    }

    @Test
    void destroy_fromAnotherShell_unmountsDetachesDiscardsAndProvisionExitsZero() {
        assertEquals("1", boot.result("basic.destroy.ok"));
        assertEquals("0", boot.result("basic.exit"));
        assertEquals("yes", boot.result("basic.unmounted"));
        assertEquals("yes", boot.result("basic.detached"));
        assertEquals("BLKDISCARD", boot.result("basic.destroy.discard"));
    }

    @Test
    void rawImage_holdsNoMarkerNoPlaintextBlockNoLuksMagic() throws IOException {
        HostImages.assertNoMarkerNoLuksMagic(boot.image("basic"), boot.marker);
        byte[] raw = Files.readAllBytes(boot.image("basic"));
        List<Long> found = HostImages.plaintextBlocksIn(boot.image("basic"), List.of(boot.payload));
        assertEquals(List.of(), found, "payload blocks in the clear");
        long nonZero = 0;
        for (int i = 0; i < raw.length; i += 4096) {
            for (int j = i; j < i + 4096; j++) {
                if (raw[j] != 0) {
                    nonZero++;
                    break;
                }
            }
        }
        // QEMU ignores the discard (discard=ignore): the ciphertext of the files is still there.
        assertTrue(nonZero > boot.payload.length / 4096, "only " + nonZero + " non-zero blocks on the raw disk");
    }
}
