package io.nbdcrypt.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class GuestRunTest {

    @Test
    void parse_serialConsoleLines_readsResultsAndIgnoresTheRest() {
        String console = "VMTEST-BOOTED 2.0\r\n[    2.1] some kernel line\r\nRESULT h512.dm.0 abc123\r\n"
                + "noise RESULT fake 1\r\nRESULT cskey.h512 raw\r\nVMTEST-RESULT PASS\r\n";

        GuestRun run = GuestRun.parse(console);

        assertEquals(Map.of("h512.dm.0", "abc123", "cskey.h512", "raw"), run.results());
    }

    @Test
    void parse_lineSplitByKernelMessage_isNotAResult() {
        GuestRun run = GuestRun.parse("RESULT a [    3.2] dm-crypt: warning\nRESULT b 2\n");

        assertEquals(Map.of("b", "2"), run.results());
    }

    @Test
    void parse_sameNameTwice_failsNamingIt() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> GuestRun.parse("RESULT a 1\nRESULT a 2\n"));

        assertTrue(e.getMessage().contains("'a'"), e.getMessage());
    }

    @Test
    void result_missingName_failsWithConsoleLog() {
        GuestRun run = GuestRun.parse("VMTEST-BOOTED 1\nRESULT a 1\n");

        AssertionError e = assertThrows(AssertionError.class, () -> run.result("b"));

        assertTrue(e.getMessage().contains("'b'") && e.getMessage().contains("VMTEST-BOOTED 1"), e.getMessage());
    }
}
