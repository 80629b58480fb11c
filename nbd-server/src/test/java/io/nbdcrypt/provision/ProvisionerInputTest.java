package io.nbdcrypt.provision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nbdcrypt.block.DeviceLock;
import io.nbdcrypt.block.FileBlockDevice;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The refusals that come before any kernel work, on image files (the guest test repeats them on
 * block devices): each names the problem, and the image's bytes stay as they were. A backend
 * that fails the test if reached proves nothing got that far.
 */
class ProvisionerInputTest {
    @TempDir
    Path dir;

    private static final Backend MUST_NOT_ATTACH = new Backend() {
        @Override
        public String name() {
            return "test";
        }

        @Override
        public Attachment attach(UnlockedVolume volume, AttachOptions options) {
            throw new AssertionError("attach reached despite bad input");
        }
    };

    @Test
    void provision_mountPointIsAFile_refusedNamingIt() throws IOException {
        Path disk = image("disk", 64L << 20);
        Path file = Files.writeString(dir.resolve("afile"), "x");
        byte[] before = Files.readAllBytes(disk);

        var e = assertThrows(ProvisionRefusedException.class, () -> Provisioner.provision(request(disk, file)));

        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("not a directory"), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(disk));
    }

    @Test
    void provision_deviceTooSmall_refusedWithSizes() throws IOException {
        Path disk = image("tiny", 4L << 20);

        var e = assertThrows(ProvisionRefusedException.class,
                () -> Provisioner.provision(request(disk, dir.resolve("mnt"))));

        assertTrue(e.getMessage().contains("too small") && e.getMessage().contains("4194304"), e.getMessage());
        assertTrue(Files.notExists(dir.resolve("mnt")), "the mount point was created for a refused disk");
    }

    @Test
    void provision_deviceHeldByAnotherOpener_refusedNamingTheHolder() throws IOException {
        Path disk = image("held", 64L << 20);
        try (FileBlockDevice holder = FileBlockDevice.open(disk, true, DeviceLock.SHARED)) {
            var e = assertThrows(ProvisionRefusedException.class,
                    () -> Provisioner.provision(request(disk, dir.resolve("mnt"))));
            assertTrue(e.getMessage().contains(disk.toString()) && e.getMessage().contains("pid "
                    + ProcessHandle.current().pid()), e.getMessage());
        }
    }

    @Test
    void provision_missingDevice_isNoSuchFile() {
        Path missing = dir.resolve("nope");
        var e = assertThrows(java.nio.file.NoSuchFileException.class,
                () -> Provisioner.provision(request(missing, dir.resolve("mnt"))));
        assertTrue(e.getMessage().contains(missing.toString()));
    }

    private ProvisionRequest request(Path disk, Path mount) {
        return new ProvisionRequest(disk, mount, "ext4", java.util.List.of(), java.util.Optional.empty(), false,
                MUST_NOT_ATTACH, AttachOptions.defaults());
    }

    private Path image(String name, long size) throws IOException {
        Path p = dir.resolve(name + ".img");
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(size);
        }
        return p;
    }
}
