package io.nbdcrypt.vm;

import static io.nbdcrypt.vm.HostImages.sha256;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two provisioned volumes at once ({@link ProvisionGuestBoot}, scenario pair): their own
 * devices and keys; the one with a header file opens with {@code cryptsetup open --header};
 * the other's server killed with SIGKILL while mounted makes I/O fail within the timeouts,
 * and {@code umount -l} + {@code nbdcrypt detach} complete without hanging the guest.
 */
class ProvisionPairIT {
    private static ProvisionGuestBoot boot;

    @BeforeAll
    static void bootOnce() throws IOException {
        boot = ProvisionGuestBoot.get();
        boot.assertScenarioPassed("pair");
    }

    @Test
    void twoAtOnce_distinctDevicesAndKeys() {
        String[] devices = boot.result("pair.devices").split(",");
        assertEquals(2, devices.length);
        assertNotEquals(devices[0], devices[1]);
        assertNotEquals(boot.result("pa.key"), boot.result("pb.key"), "both volumes have the same key");
    }

    @Test
    void headerFile_cryptsetupOpensTheVolumeAndReadsTheFiles() {
        assertEquals(boot.result("pa.random.written"), boot.result("pa.random.cryptsetup"));
        assertEquals(sha256(boot.payload), boot.result("pa.payload.cryptsetup"));
    }

    @Test
    void headerFile_rawDiskHoldsNoHeaderNoPlaintext() throws IOException {
        HostImages.assertNoMarkerNoLuksMagic(boot.image("pa"), boot.marker);
        assertEquals(List.of(), HostImages.plaintextBlocksIn(boot.image("pa"), List.of(boot.payload)));
        assertEquals(List.of(), HostImages.plaintextBlocksIn(boot.image("pb"), List.of(boot.payload)));
    }

    @Test
    void serverKilledWhileMounted_ioFailsWithinTimeoutsAndDetachCompletes() {
        assertEquals("failed", boot.result("pb.read_after_kill"), "direct read after SIGKILL");
        assertEquals("failed", boot.result("pb.write_after_kill"), "direct write after SIGKILL");
        long ms = Long.parseLong(boot.result("pb.fail_ms"));
        // The sockets die with the process: I/O fails after the 2 s dead-connection timeout, not the 120 s request one.
        assertTrue(ms < 25_000, "I/O took " + ms + " ms to fail after the server died");
        assertEquals("yes", boot.result("pb.detached"));
    }
}
