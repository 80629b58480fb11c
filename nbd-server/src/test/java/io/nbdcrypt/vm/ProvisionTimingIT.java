package io.nbdcrypt.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Both ways to a mounted encrypted scratch disk ran in the same guest on disks of the same
 * size ({@link ProvisionGuestBoot}: provision, and the cryptsetup sequence). The times are
 * reported (target/vm-logs/ProvisionGuestBoot.timings.txt), not judged: TCG makes them slow
 * and noisy; this only checks both ran.
 */
class ProvisionTimingIT {
    @BeforeAll
    static void bootOnce() throws IOException {
        ProvisionGuestBoot.get().assertScenarioPassed("cryptsetup");
    }

    @Test
    void bothSequences_reachedMounted() throws IOException {
        ProvisionGuestBoot b = ProvisionGuestBoot.get();
        long ours = Long.parseLong(b.result("basic.provision_ms"));
        long theirs = Long.parseLong(b.result("cmp.provision_ms"));
        System.out.printf("[ProvisionTimingIT] provision %d ms, cryptsetup sequence %d ms, ratio %.2f%n", ours, theirs,
                (double) ours / theirs);
        assertTrue(ours > 0 && theirs > 0);
    }

    /**
     * One against two NBD connections on the same disk (scenario multiconn): both must provision
     * and move the data; the times are the measurement (printed, and in the timings file).
     */
    @Test
    void oneAndTwoConnections_bothMoveTheData() throws IOException {
        ProvisionGuestBoot b = ProvisionGuestBoot.get();
        b.assertScenarioPassed("multiconn");
        long[] ms = new long[4];
        String[] keys = {"mc1.write_ms", "mc1.read_ms", "mc2.write_ms", "mc2.read_ms"};
        for (int i = 0; i < 4; i++) {
            ms[i] = Long.parseLong(b.result(keys[i]));
            assertTrue(ms[i] > 0, keys[i]);
        }
        // The same 48 MiB of guest randomness read back, past the page cache, over both.
        assertEquals(b.result("mc.data"), b.result("mc1.read_sha"), "one connection");
        assertEquals(b.result("mc.data"), b.result("mc2.read_sha"), "two connections");
        System.out.printf("[ProvisionTimingIT] 48 MiB O_DIRECT: 1 connection write %d ms read %d ms;"
                + " 2 connections write %d ms read %d ms%n", ms[0], ms[1], ms[2], ms[3]);
    }
}
