package io.nbdcrypt.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Runs in the test JVM itself: what it changes (no dumps, locked pages) harms no other test. */
class ProcessHygieneTest {
    @Test
    void disableDumps_processIsNoLongerDumpable() throws NativeException {
        ProcessHygiene.disableDumps();
        assertEquals(0, ProcessHygiene.dumpable());
    }

    @Test
    void lockMemory_kernelCountsLockedMemory() throws IOException {
        ProcessHygiene.lockMemory();
        long lockedKib = Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(l -> l.startsWith("VmLck:"))
                .mapToLong(l -> Long.parseLong(l.replaceAll("[^0-9]", "")))
                .findFirst().orElse(-1);
        assertTrue(lockedKib > 0, "VmLck after mlockall: " + lockedKib + " kB");
    }
}
