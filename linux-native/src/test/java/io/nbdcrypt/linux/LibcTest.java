package io.nbdcrypt.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LibcTest {
    @TempDir
    Path dir;

    @Test
    void open_missingFile_failsWithEnoentNamingThePath() {
        Path missing = dir.resolve("nope");
        NativeException e = assertThrows(NativeException.class, () -> Libc.open(missing, Libc.O_RDONLY));
        assertEquals(Errno.ENOENT, e.errno());
        assertTrue(e.getMessage().contains(missing.toString()) && e.getMessage().contains("ENOENT"), e.getMessage());
    }

    @Test
    void flock_exclusiveHeldOnAnotherDescriptor_failsWithEwouldblock() throws IOException {
        Path f = Files.createFile(dir.resolve("f"));
        int a = Libc.open(f, Libc.O_RDONLY);
        int b = Libc.open(f, Libc.O_RDONLY);
        try {
            Libc.flock(a, Libc.LOCK_EX | Libc.LOCK_NB, f.toString());
            NativeException e = assertThrows(NativeException.class,
                    () -> Libc.flock(b, Libc.LOCK_SH | Libc.LOCK_NB, f.toString()));
            assertEquals(Errno.EWOULDBLOCK, e.errno());
            Libc.flock(a, Libc.LOCK_UN, f.toString());
            Libc.flock(b, Libc.LOCK_SH | Libc.LOCK_NB, f.toString()); // free again
        } finally {
            Libc.close(a);
            Libc.close(b);
        }
    }

    @Test
    void lockHolders_flockHeldByThisProcess_namesOurPid() throws IOException {
        Path f = Files.createFile(dir.resolve("held"));
        int fd = Libc.open(f, Libc.O_RDONLY);
        try {
            Libc.flock(fd, Libc.LOCK_EX | Libc.LOCK_NB, f.toString());
            List<String> holders = LockHolders.of(f);
            assertEquals(1, holders.size(), holders.toString());
            assertTrue(holders.get(0).startsWith("pid " + ProcessHandle.current().pid() + " "), holders.toString());
        } finally {
            Libc.close(fd);
        }
        assertEquals(List.of(), LockHolders.of(f), "closing the descriptor drops the lock");
    }

    @Test
    void lockHolders_otherFile_isEmpty() throws IOException {
        Path held = Files.createFile(dir.resolve("held"));
        Path other = Files.createFile(dir.resolve("other"));
        int fd = Libc.open(held, Libc.O_RDONLY);
        try {
            Libc.flock(fd, Libc.LOCK_SH | Libc.LOCK_NB, held.toString());
            assertEquals(List.of(), LockHolders.of(other));
        } finally {
            Libc.close(fd);
        }
    }

    @Test
    void deviceNumbers_splitLikeGlibc() {
        // makedev(259, 1048575) in glibc's encoding: major above 255 and minor above 255 both land in the high bits.
        long major = 259;
        long minor = 1048575;
        long dev = (major & 0xfff) << 8 | (major & ~0xfffL) << 32 | (minor & 0xff) | (minor & ~0xffL) << 12;
        assertEquals(major, LockHolders.major(dev));
        assertEquals(minor, LockHolders.minor(dev));
    }

    /** A file with data at [1 MiB, +4 KiB) and [3 MiB, +8 KiB) of 4 MiB, the rest never written. */
    @Test
    void lseek_sparseFile_findsDataAndHolesThenEnxioPastTheLastData() throws IOException {
        Path f = dir.resolve("sparse");
        try (var ch = java.nio.channels.FileChannel.open(f, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[4096]).put(0, (byte) 1), 1 << 20);
            ch.write(java.nio.ByteBuffer.wrap(new byte[8192]).put(0, (byte) 1), 3 << 20);
            ch.truncate(4 << 20);
            ch.write(java.nio.ByteBuffer.wrap(new byte[1]), (4 << 20) - 1);
        }
        int fd = Libc.open(f, Libc.O_RDONLY);
        try {
            assertEquals(1 << 20, Libc.lseek(fd, 0, Libc.SEEK_DATA, f.toString()));
            assertEquals((1 << 20) + 4096, Libc.lseek(fd, 1 << 20, Libc.SEEK_HOLE, f.toString()));
            assertEquals(3 << 20, Libc.lseek(fd, (1 << 20) + 4096, Libc.SEEK_DATA, f.toString()));
            assertEquals(0, Libc.lseek(fd, 0, Libc.SEEK_HOLE, f.toString()));
            NativeException e = assertThrows(NativeException.class,
                    () -> Libc.lseek(fd, 4 << 20, Libc.SEEK_DATA, f.toString()));
            assertEquals(Errno.ENXIO, e.errno());
            assertTrue(e.getMessage().contains("SEEK_DATA") && e.getMessage().contains(f.toString()), e.getMessage());
        } finally {
            Libc.close(fd);
        }
    }

    /** Into and out of the middle of Java arrays, the bytes the file really holds; end of file reads 0. */
    @Test
    void preadPwrite_heapArrays_moveExactlyTheAskedBytes() throws IOException {
        Path f = dir.resolve("data");
        byte[] content = new byte[10000];
        new java.util.Random(5).nextBytes(content);
        Files.write(f, content);
        int fd = Libc.open(f, Libc.O_RDWR);
        try {
            byte[] into = new byte[300];
            assertEquals(200, Libc.pread(fd, into, 50, 200, 4000, f.toString()));
            assertEquals(java.util.Arrays.toString(java.util.Arrays.copyOfRange(content, 4000, 4200)),
                    java.util.Arrays.toString(java.util.Arrays.copyOfRange(into, 50, 250)));
            assertEquals(0, into[49]);
            assertEquals(0, into[250]);
            byte[] out = {1, 2, 3, 4, 5, 6, 7, 8};
            assertEquals(3, Libc.pwrite(fd, out, 2, 3, 9999, f.toString()));
            byte[] back = Files.readAllBytes(f);
            assertEquals(10002, back.length);
            assertEquals(List.of((byte) 3, (byte) 4, (byte) 5), List.of(back[9999], back[10000], back[10001]));
            assertEquals(0, Libc.pread(fd, into, 0, 10, 20000, f.toString()));
        } finally {
            Libc.close(fd);
        }
        NativeException e = assertThrows(NativeException.class, () -> Libc.pread(-1, new byte[4], 0, 4, 0, "fd -1"));
        assertEquals(Errno.EBADF, e.errno());
    }
}
