package io.nbdcrypt.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * Bad input to {@code nbdcrypt provision} in the guest ({@link ProvisionGuestBoot}, scenario
 * bad): each refused with exit 4 and a message naming the problem, the disk's bytes unchanged
 * (hashed in the guest before and after), nothing left mounted.
 */
class ProvisionBadInputIT {
    private static ProvisionGuestBoot boot;

    @BeforeAll
    static void bootOnce() throws IOException {
        boot = ProvisionGuestBoot.get();
        boot.assertScenarioPassed("bad");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "mounted, mounted_at_/mnt/busy",
        "held, another_program_has_it_open",
        "tiny, too_small",
        "mountfile, is_not_a_directory"})
    void badInput_refusedWithMessage_diskUnchanged(String name, String expected) {
        assertEquals("4", boot.result("bad." + name + ".exit"), "exit status");
        String message = boot.result("bad." + name + ".message");
        assertTrue(message.contains(expected), "message: " + message);
        assertEquals("yes", boot.result("bad." + name + ".unchanged"), "disk bytes changed");
    }

    @Test
    void badInput_untouchedDisksStayZero() throws IOException {
        for (String disk : new String[] {"tiny", "spare", "held"}) {
            byte[] raw = Files.readAllBytes(boot.image(disk));
            for (byte b : raw) {
                if (b != 0) {
                    throw new AssertionError(disk + ".img was written to");
                }
            }
        }
        assertEquals("no", boot.result("bad.leftover_mount"));
    }
}
