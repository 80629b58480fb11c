package io.nbdcrypt.block;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nbdcrypt.testsupport.ExternalTool;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileBlockDeviceTest {
    private static final int MIB = 1 << 20;

    @TempDir
    Path dir;

    @Test
    void trim_regularFile_punchesHoleThatReadsAsZeroes() throws IOException {
        Path f = dir.resolve("disk.img");
        byte[] data = random(4 * MIB, 1);
        Files.write(f, data);
        long before = SparseFiles.allocatedBytes(f);
        try (FileBlockDevice dev = FileBlockDevice.open(f, false)) {
            assertTrue(dev.canTrim(), "ext4/xfs/tmpfs support punching holes");
            assertEquals(4 * MIB, dev.size());
            dev.trim(MIB, 2 * MIB);
            ByteBuffer all = ByteBuffer.allocate(4 * MIB);
            dev.read(0, all);
            byte[] expected = data.clone();
            Arrays.fill(expected, MIB, 3 * MIB, (byte) 0);
            assertArrayEquals(expected, all.array());
        }
        long after = SparseFiles.allocatedBytes(f);
        assertTrue(before - after >= 2 * MIB, "trim must release storage: " + before + " -> " + after + " bytes allocated");
        assertEquals(4 * MIB, Files.size(f), "KEEP_SIZE: the file keeps its length");
    }

    @Test
    void writeZeroes_withoutTrim_writesZeroesAndKeepsStorage() throws IOException {
        Path f = dir.resolve("disk.img");
        Files.write(f, random(2 * MIB, 2));
        long before = SparseFiles.allocatedBytes(f);
        try (FileBlockDevice dev = FileBlockDevice.open(f, false)) {
            dev.writeZeroes(4096, MIB, false);
        }
        byte[] back = Files.readAllBytes(f);
        assertArrayEquals(new byte[MIB], Arrays.copyOfRange(back, 4096, 4096 + MIB));
        assertEquals(before, SparseFiles.allocatedBytes(f));
    }

    @Test
    void writeZeroes_mayTrimUnalignedRange_zeroesExactlyThatRange() throws IOException {
        Path f = dir.resolve("disk.img");
        byte[] data = random(MIB, 3);
        Files.write(f, data);
        try (FileBlockDevice dev = FileBlockDevice.open(f, false)) {
            dev.writeZeroes(1000, 70_001, true);
        }
        byte[] expected = data.clone();
        Arrays.fill(expected, 1000, 71_001, (byte) 0);
        assertArrayEquals(expected, Files.readAllBytes(f));
    }

    @Test
    void readOnly_writeAndTrim_refused() throws IOException {
        Path f = dir.resolve("disk.img");
        Files.write(f, new byte[8192]);
        try (FileBlockDevice dev = FileBlockDevice.open(f, true)) {
            assertTrue(dev.isReadOnly());
            assertFalse(dev.canTrim());
            assertThrows(ReadOnlyDeviceException.class, () -> dev.write(0, ByteBuffer.allocate(16)));
            assertThrows(ReadOnlyDeviceException.class, () -> dev.trim(0, 4096));
        }
    }

    @Test
    void read_pastEnd_refused() throws IOException {
        Path f = dir.resolve("disk.img");
        Files.write(f, new byte[8192]);
        try (FileBlockDevice dev = FileBlockDevice.open(f, false)) {
            assertThrows(IndexOutOfBoundsException.class, () -> dev.read(8000, ByteBuffer.allocate(200)));
        }
    }

    /** A real block device: a loop device over a file (root only). Size comes from BLKGETSIZE64. */
    @Test
    void open_loopBlockDevice_sizeFromIoctlAndTrimReadsZeroes() throws IOException {
        Path img = dir.resolve("loop.img");
        byte[] data = random(8 * MIB, 4);
        Files.write(img, data);
        Path loop = attachLoop(img);
        try {
            try (FileBlockDevice dev = FileBlockDevice.open(loop, false)) {
                assertTrue(dev.isBlockDevice());
                assertEquals(8 * MIB, dev.size(), "st_size of a block device is 0; the ioctl must give the real size");
                ByteBuffer head = ByteBuffer.allocate(4096);
                dev.read(0, head);
                assertArrayEquals(Arrays.copyOf(data, 4096), head.array());
                dev.trim(MIB, 2 * MIB);
                ByteBuffer mid = ByteBuffer.allocate(2 * MIB);
                dev.read(MIB, mid);
                assertArrayEquals(new byte[2 * MIB], mid.array());
                dev.flush();
            }
            try (FileBlockDevice ro = FileBlockDevice.open(loop, true)) {
                assertEquals(8 * MIB, ro.size());
            }
        } finally {
            ExternalTool.run("losetup", "-d", loop.toString());
        }
    }

    private static Path attachLoop(Path img) {
        ExternalTool.require("losetup");
        ExternalTool.Result r = ExternalTool.run("losetup", "-f", "--show", img.toString());
        if (r.exitCode() != 0) {
            ExternalTool.unavailable("cannot attach a loop device here (needs root and /dev/loop*): " + r.stderr());
        }
        return Path.of(r.stdoutText().strip());
    }

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }
}
