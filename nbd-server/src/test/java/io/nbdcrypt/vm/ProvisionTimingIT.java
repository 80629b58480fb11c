package io.nbdcrypt.vm;

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
}
