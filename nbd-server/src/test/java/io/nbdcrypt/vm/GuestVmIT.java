package io.nbdcrypt.vm;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The harness itself must not go green by accident: a failing guest script, a guest that never
 * finishes and a guest that never starts all fail the run, with the console log in the message.
 */
class GuestVmIT {
    @TempDir
    Path tmp;

    @Test
    void run_scriptExitsNonZero_failsWithConsoleLog() throws IOException {
        GuestVm vm = GuestVm.require();
        Path script = Files.writeString(tmp.resolve("fail.sh"), "echo guest-side-marker-17\nexit 3\n");

        AssertionError e = assertThrows(AssertionError.class, () -> vm.timeoutSeconds(120).run("GuestVmIT-fail", script));

        assertTrue(e.getMessage().contains("exit 1") && e.getMessage().contains("guest-side-marker-17")
                && e.getMessage().contains("VMTEST-RESULT FAIL exit=3"), e.getMessage());
    }

    @Test
    void run_initSilentPastBootTimeout_bootsOnceMoreThenFails() throws IOException {
        GuestVm vm = GuestVm.require();
        Path script = Files.writeString(tmp.resolve("never-reached.sh"), "true\n");

        // No kernel reaches init within a second under TCG: both attempts count as silent boots.
        AssertionError e = assertThrows(AssertionError.class,
                () -> vm.bootTimeoutSeconds(1).run("GuestVmIT-silent", script));

        assertTrue(e.getMessage().contains("booting once more") && e.getMessage().contains("exit 2"), e.getMessage());
    }

    @Test
    void run_guestNeverFinishes_failsAfterTimeout() throws IOException {
        GuestVm vm = GuestVm.require();
        Path script = Files.writeString(tmp.resolve("hang.sh"), "sleep 600\n");

        AssertionError e = assertThrows(AssertionError.class, () -> vm.timeoutSeconds(8).run("GuestVmIT-hang", script));

        assertTrue(e.getMessage().contains("exit 2") && e.getMessage().contains("no VMTEST-RESULT"), e.getMessage());
    }
}
