package io.nbdcrypt.provision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nbdcrypt.block.DeviceInUseException;
import io.nbdcrypt.block.DeviceLock;
import io.nbdcrypt.block.FileBlockDevice;
import io.nbdcrypt.kernel.dm.DmCrypt;
import io.nbdcrypt.kernel.dm.DmCryptException;
import io.nbdcrypt.linux.Libc;
import io.nbdcrypt.linux.Mounts;
import io.nbdcrypt.testsupport.ExternalTool;
import io.nbdcrypt.testsupport.TestFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Provisioning with the dm-crypt backend, as far as this host (no device-mapper, no NBD) can
 * show it: choosing the backend, the raw device handed over without our O_EXCL (dm-crypt
 * claims it), and a clear failure with nothing left behind where device-mapper is missing.
 * The working path runs in the guest ({@code DmCryptBackendIT}).
 */
class DmCryptProvisionTest {
    @TempDir
    Path dir;

    @Test
    void choose_namesAndAuto() {
        assertEquals(List.of("auto", "nbd", "dm-crypt"), Backends.names());
        assertInstanceOf(DmCryptBackend.class, Backends.choose("dm-crypt").backend());
        assertInstanceOf(NbdBackend.class, Backends.choose("nbd").backend());
        Backends.Choice noNbd = Backends.auto(false);
        assertInstanceOf(DmCryptBackend.class, noNbd.backend());
        assertTrue(noNbd.why().contains("no NBD client") && noNbd.why().endsWith("so dm-crypt"), noNbd.why());
        assertInstanceOf(NbdBackend.class, Backends.auto(true).backend());
        assertTrue(new DmCryptBackend().claimsRawDevice() && !new NbdBackend().claimsRawDevice());
        assertThrows(IllegalArgumentException.class, () -> Backends.choose("loop"));
    }

    @Test
    void defaultName_oneMappingPerDisk() {
        assertEquals("nbdcrypt-vdb", DmCryptBackend.defaultName(Path.of("/dev/vdb")).value());
        assertEquals("nbdcrypt-by_id", DmCryptBackend.defaultName(Path.of("/dev/disk/by id")).value());
    }

    /** A backend whose kernel side claims the device gets it with a shared lock and no O_EXCL. */
    @Test
    void provision_backendClaimsRawDevice_attachSeesNoExclusiveOpenButOurLock() throws IOException {
        Path loop = attachLoop(TestFiles.sparse(dir.resolve("claim.img"), 64L << 20));
        try {
            Backend claiming = new Backend() {
                @Override
                public String name() {
                    return "claiming";
                }

                @Override
                public boolean claimsRawDevice() {
                    return true;
                }

                @Override
                public Attachment attach(UnlockedVolume volume, AttachOptions options) throws IOException {
                    // The kernel's own claim would need this to succeed ...
                    Libc.close(Libc.open(loop, Libc.O_RDONLY | Libc.O_EXCL));
                    // ... while another nbdcrypt still meets our lock.
                    assertThrows(DeviceInUseException.class, () -> FileBlockDevice.open(loop, true, DeviceLock.EXCLUSIVE));
                    throw new IOException("attach stops here (checked)");
                }
            };
            IOException e = assertThrows(IOException.class, () -> Provisioner.provision(request(loop, claiming)));
            assertEquals("attach stops here (checked)", e.getMessage());
            FileBlockDevice.open(loop, false, DeviceLock.EXCLUSIVE).close(); // nothing holds it afterwards
        } finally {
            ExternalTool.run("losetup", "-d", loop.toString());
        }
    }

    @Test
    void provision_dmCryptWithoutDeviceMapper_unavailableNothingLeft() throws IOException {
        Path img = TestFiles.sparse(dir.resolve("disk.img"), 64L << 20);
        Path loop = attachLoop(img);
        try {
            Backend dm = new DmCryptBackend(DmCrypt.at(dir.resolve("no-control"), dir.resolve("mapper")));

            DmCryptException e = assertThrows(DmCryptException.class, () -> Provisioner.provision(request(loop, dm)));

            assertEquals(DmCryptException.Reason.UNAVAILABLE, e.reason(), e.getMessage());
            assertTrue(e.getMessage().startsWith("device-mapper is not available"), e.getMessage());
            assertEquals(Optional.empty(), Mounts.at(dir.resolve("mnt")));
            FileBlockDevice.open(loop, false, DeviceLock.EXCLUSIVE).close();
        } finally {
            ExternalTool.run("losetup", "-d", loop.toString());
        }
        assertArrayEquals(new byte[64 << 20], Files.readAllBytes(img), "provisioning wrote to the disk");
    }

    @Test
    void provision_dmCryptOnImageFile_refusedAsNotABlockDevice() throws IOException {
        Path img = TestFiles.sparse(dir.resolve("file.img"), 64L << 20);
        DmCryptException e = assertThrows(DmCryptException.class, () -> Provisioner.provision(
                request(img, new DmCryptBackend(DmCrypt.at(dir.resolve("no-control"), dir.resolve("mapper"))))));
        assertEquals(DmCryptException.Reason.UNSUPPORTED, e.reason());
        assertTrue(e.getMessage().contains("is not a block device"), e.getMessage());
    }

    private ProvisionRequest request(Path disk, Backend backend) {
        return new ProvisionRequest(disk, dir.resolve("mnt"), "ext4", List.of(), Optional.empty(), false, backend,
                AttachOptions.defaults());
    }

    private static Path attachLoop(Path img) {
        ExternalTool.require("losetup");
        ExternalTool.Result r = ExternalTool.run("losetup", "-f", "--show", img.toString());
        if (r.exitCode() != 0) {
            ExternalTool.unavailable("cannot attach a loop device here (needs root and /dev/loop*): " + r.stderr());
        }
        return Path.of(r.stdoutText().strip());
    }
}
