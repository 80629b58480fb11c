package io.nbdcrypt.block;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nbdcrypt.testsupport.TestFiles;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Heap buffers go to the file with pread/pwrite on their arrays, direct ones through the
 * channel: the same bytes either way, at the buffer's position inside a larger array (a
 * sliced buffer has an array offset), for transfers above the 1 MiB per call, and past the
 * end of a file that shrank under us (zeroes).
 */
class FileBlockDeviceHeapIoTest {
    private static final int SIZE = 4 << 20;

    @TempDir Path dir;

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void heapAndDirectBuffers_readAndWriteTheSameBytes() throws IOException {
        Path img = TestFiles.sparse(dir.resolve("img"), SIZE);
        byte[] data = random(3 << 20, 1);   // three calls' worth
        try (FileBlockDevice d = FileBlockDevice.open(img, false)) {
            byte[] backing = new byte[data.length + 100];
            System.arraycopy(data, 0, backing, 77, data.length);
            ByteBuffer slice = ByteBuffer.wrap(backing).position(70).slice().position(7).limit(7 + data.length);
            d.write(12345, slice);
            assertEquals(7, slice.position(), "position changed");
            byte[] file = Files.readAllBytes(img);
            assertArrayEquals(data, Arrays.copyOfRange(file, 12345, 12345 + data.length));

            ByteBuffer heap = ByteBuffer.wrap(new byte[data.length + 10]).position(10).slice();
            d.read(12345, heap);
            ByteBuffer direct = ByteBuffer.allocateDirect(data.length);
            d.read(12345, direct);
            byte[] fromHeap = Arrays.copyOfRange(heap.array(), heap.arrayOffset(), heap.arrayOffset() + data.length);
            byte[] fromDirect = new byte[data.length];
            direct.get(0, fromDirect);
            assertArrayEquals(data, fromHeap);
            assertArrayEquals(data, fromDirect);
        }
    }

    @Test
    void fileShrankUnderUs_restReadsAsZeroes() throws IOException {
        Path img = dir.resolve("img");
        Files.write(img, random(SIZE, 2));
        try (FileBlockDevice d = FileBlockDevice.open(img, true)) {
            try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
                f.setLength(SIZE / 2);
            }
            byte[] a = new byte[8192];
            Arrays.fill(a, (byte) 0x55);
            d.read(SIZE / 2 - 4096, ByteBuffer.wrap(a));
            assertArrayEquals(Arrays.copyOfRange(random(SIZE, 2), SIZE / 2 - 4096, SIZE / 2), Arrays.copyOf(a, 4096));
            assertArrayEquals(new byte[4096], Arrays.copyOfRange(a, 4096, 8192));
        }
    }
}
