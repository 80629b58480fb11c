package io.nbdcrypt.block;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nbdcrypt.testsupport.ExternalTool;
import io.nbdcrypt.testsupport.TestFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileBlockDeviceLockTest {
    @TempDir
    Path dir;

    @Test
    void exclusive_whileAnotherExclusiveIsOpen_isRefusedNamingTheHolder() throws IOException {
        Path f = image("a.img");
        try (FileBlockDevice first = FileBlockDevice.open(f, false, DeviceLock.EXCLUSIVE)) {
            DeviceInUseException e = assertThrows(DeviceInUseException.class,
                    () -> FileBlockDevice.open(f, false, DeviceLock.EXCLUSIVE));
            assertEquals(f, e.device());
            assertTrue(e.holders().stream().anyMatch(h -> h.startsWith("pid " + ProcessHandle.current().pid() + " ")),
                    e.getMessage());
            assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
        }
    }

    @Test
    void shared_besideShared_isAllowed_butNotBesideExclusive() throws IOException {
        Path f = image("b.img");
        try (FileBlockDevice r1 = FileBlockDevice.open(f, true, DeviceLock.SHARED);
                FileBlockDevice r2 = FileBlockDevice.open(f, true, DeviceLock.SHARED)) {
            assertThrows(DeviceInUseException.class, () -> FileBlockDevice.open(f, false, DeviceLock.EXCLUSIVE));
        }
        try (FileBlockDevice w = FileBlockDevice.open(f, false, DeviceLock.EXCLUSIVE)) {
            assertThrows(DeviceInUseException.class, () -> FileBlockDevice.open(f, true, DeviceLock.SHARED));
        }
    }

    @Test
    void close_releasesTheLock() throws IOException {
        Path f = image("c.img");
        FileBlockDevice.open(f, false, DeviceLock.EXCLUSIVE).close();
        try (FileBlockDevice again = FileBlockDevice.open(f, false, DeviceLock.EXCLUSIVE)) {
            assertEquals(1 << 20, again.size());
        }
    }

    @Test
    void noLock_isNotBlockedByAHolder() throws IOException {
        Path f = image("d.img");
        try (FileBlockDevice w = FileBlockDevice.open(f, false, DeviceLock.EXCLUSIVE);
                FileBlockDevice unlocked = FileBlockDevice.open(f, true)) {
            assertEquals(w.size(), unlocked.size());
        }
    }

    /** Another program (util-linux flock(1)) holds the lock: we refuse and name it. */
    @Test
    void exclusive_whileAnotherProcessHoldsTheFile_isRefusedNamingThatProcess() throws Exception {
        Path flock = ExternalTool.require("flock");
        Path f = image("e.img");
        Path ready = dir.resolve("ready");
        Process holder = new ProcessBuilder(flock.toString(), "--shared", f.toString(), "sh", "-c",
                "touch " + ready + "; exec sleep 60").redirectErrorStream(true).start();
        try {
            for (int i = 0; i < 600 && !Files.exists(ready); i++) {
                Thread.onSpinWait();
                holder.waitFor(10, TimeUnit.MILLISECONDS);
            }
            assertTrue(Files.exists(ready), "flock(1) did not start");
            DeviceInUseException e = assertThrows(DeviceInUseException.class,
                    () -> FileBlockDevice.open(f, false, DeviceLock.EXCLUSIVE));
            assertTrue(e.holders().stream().anyMatch(h -> h.contains("(flock)") || h.contains("(sleep)")), e.getMessage());
            try (FileBlockDevice reader = FileBlockDevice.open(f, true, DeviceLock.SHARED)) {
                assertEquals(1 << 20, reader.size(), "a shared lock beside another reader is fine");
            }
        } finally {
            holder.destroyForcibly().waitFor();
        }
    }

    private Path image(String name) throws IOException {
        return TestFiles.sparse(dir.resolve(name), 1 << 20);
    }
}
