package io.nbdcrypt.kernel.dm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nbdcrypt.crypto.Passphrase;
import io.nbdcrypt.linux.DeviceMapper;
import io.nbdcrypt.linux.Errno;
import io.nbdcrypt.linux.NativeException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What this host can show without device-mapper: every call fails with the UNAVAILABLE
 * reason and a message that says what is missing, before any work is done. The paths with
 * device-mapper (and the CAP_SYS_ADMIN, name-taken, in-use cases) run in the guest,
 * {@code io.nbdcrypt.vm.DmCryptBackendIT}.
 */
class DmCryptHostTest {
    @TempDir
    Path tmp;

    @Test
    void open_noControlNode_unavailableBeforeThePassphraseIsTried() throws IOException {
        DmCrypt dm = DmCrypt.at(tmp.resolve("control"), tmp.resolve("mapper"));
        // A block device every Linux machine has, with no LUKS header: were the KDF run first,
        // this would fail as a bad header, not as a missing device-mapper.
        Path block = anyBlockDevice();

        DmCryptException e = assertThrows(DmCryptException.class, () -> dm.open(block, Optional.empty(),
                Passphrase.copyOf("wrong".getBytes(StandardCharsets.US_ASCII)), new MappingName("v"),
                DmCryptOptions.defaults()));

        assertEquals(DmCryptException.Reason.UNAVAILABLE, e.reason(), e.getMessage());
        assertTrue(e.getMessage().startsWith("device-mapper is not available: open " + tmp.resolve("control")
                + ": ENOENT"), e.getMessage());
        assertTrue(!Files.exists(tmp.resolve("mapper/v")), "a node was made");
    }

    @Test
    void statusAndClose_noControlNode_unavailable() {
        DmCrypt dm = DmCrypt.at(tmp.resolve("control"), tmp.resolve("mapper"));
        assertEquals(DmCryptException.Reason.UNAVAILABLE,
                assertThrows(DmCryptException.class, () -> dm.status(new MappingName("v"))).reason());
        assertEquals(DmCryptException.Reason.UNAVAILABLE,
                assertThrows(DmCryptException.class, () -> dm.close(new MappingName("v"))).reason());
    }

    @Test
    void open_regularFile_refusedAsNotABlockDevice() throws IOException {
        Path img = Files.write(tmp.resolve("img"), new byte[4096]);
        DmCryptException e = assertThrows(DmCryptException.class, () -> DmCrypt.at(tmp.resolve("control"), tmp)
                .open(img, Optional.empty(), Passphrase.copyOf(new byte[1]), new MappingName("v"), DmCryptOptions.defaults()));
        assertEquals(DmCryptException.Reason.UNSUPPORTED, e.reason());
        assertTrue(e.getMessage().contains(img + " is not a block device") && e.getMessage().contains("losetup"),
                e.getMessage());
    }

    /**
     * This machine's own control node: where device-mapper is missing (the build hosts' kernel
     * has none; the node may exist and answer ENODEV), status says so as UNAVAILABLE; where it
     * works, a name nobody uses is simply inactive.
     */
    @Test
    void status_systemControlNode_unavailableOrInactive() throws IOException {
        boolean works;
        try (DeviceMapper dm = DeviceMapper.open()) {
            works = true;
        } catch (NativeException e) {
            assertTrue(e.errno() == Errno.ENOENT || e.errno() == Errno.ENODEV || e.errno() == Errno.ENXIO
                    || e.errno() == Errno.EACCES, e.getMessage());
            works = false;
        }
        MappingName unused = new MappingName("nbdcrypt-test-" + ProcessHandle.current().pid());
        if (works) {
            assertEquals(Optional.empty(), DmCrypt.system().status(unused));
        } else {
            DmCryptException e = assertThrows(DmCryptException.class, () -> DmCrypt.system().status(unused));
            assertTrue(e.reason() == DmCryptException.Reason.UNAVAILABLE || e.reason() == DmCryptException.Reason.PERMISSION,
                    e.getMessage());
            assertTrue(e.getMessage().contains(DeviceMapper.CONTROL.toString()), e.getMessage());
        }
    }

    private static Path anyBlockDevice() throws IOException {
        try (var dev = Files.list(Path.of("/dev"))) {
            return dev.filter(p -> MapperNodes.deviceOf(p).isPresent()).findFirst()
                    .orElseThrow(() -> new AssertionError("no block device under /dev"));
        }
    }
}
