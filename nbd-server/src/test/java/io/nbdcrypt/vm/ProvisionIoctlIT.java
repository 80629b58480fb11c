package io.nbdcrypt.vm;

import static io.nbdcrypt.vm.HostImages.sha256;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The ioctl attach, the fallback for kernels without the {@code nbd} netlink family, forced
 * with {@code provision --no-netlink} on a kernel that has both ({@link ProvisionGuestBoot},
 * scenario ioctl): two connections through {@code NBD_SET_SOCK}, {@code NBD_DO_IT} on a thread
 * of the serving process. Data written through the device reads back after a remount with the
 * caches dropped, the disk holds no plaintext, and SIGKILL of the process fails I/O within the
 * timeouts and lets the device detach.
 */
class ProvisionIoctlIT {
    private static ProvisionGuestBoot boot;

    @BeforeAll
    static void bootOnce() throws IOException {
        boot = ProvisionGuestBoot.get();
        boot.assertScenarioPassed("ioctl");
    }

    @Test
    void noNetlink_attachedThroughTheIoctlsWithTwoConnections() {
        assertEquals("nbd_via_ioctl,_2_connections", boot.result("ioc.backend"));
    }

    @Test
    void noNetlink_filesReadBackAfterRemountWithCachesDropped() {
        assertEquals(boot.result("ioc.random.written"), boot.result("ioc.random.read"));
        assertEquals(sha256(boot.payload), boot.result("ioc.payload.read"));
    }

    @Test
    void noNetlink_rawDiskHoldsNoHeaderNoPlaintext() throws IOException {
        HostImages.assertNoMarkerNoLuksMagic(boot.image("ioc"), boot.marker);
        assertEquals(List.of(), HostImages.plaintextBlocksIn(boot.image("ioc"), List.of(boot.payload)));
    }

    @Test
    void noNetlink_serverKilledWhileMounted_ioFailsAndDeviceDetaches() {
        String read = boot.result("ioc.read_after_kill");
        assertTrue(read.equals("failed") || read.equals("empty"), "direct read after SIGKILL returned " + read);
        assertEquals("failed", boot.result("ioc.file_after_kill"), "a file on the mount read after SIGKILL");
        long ms = Long.parseLong(boot.result("ioc.fail_ms"));
        assertTrue(ms < 25_000, "I/O took " + ms + " ms to fail after the server died");
        assertEquals("yes", boot.result("ioc.detached"));
    }
}
