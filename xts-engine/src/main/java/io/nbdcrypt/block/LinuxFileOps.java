package io.nbdcrypt.block;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;

/**
 * The few Linux calls {@link FileBlockDevice} needs that {@code FileChannel} lacks, bound with
 * the FFM API (java.lang.foreign): {@code open}/{@code close} for a descriptor of our own,
 * {@code ioctl(BLKGETSIZE64)} for the size of a block device (whose {@code st_size} is 0), and
 * {@code fallocate(PUNCH_HOLE | KEEP_SIZE)} to release storage.
 *
 * <p>Binding never throws: {@link #available()} says whether the calls loaded (not Linux, or
 * native access refused), and callers fall back to plain writes. Failing calls throw
 * {@link IOException} naming the call, the path and errno.
 */
final class LinuxFileOps {
    static final int O_RDONLY = 0;
    static final int O_RDWR = 2;
    static final int O_CLOEXEC = 0x80000;
    static final int FALLOC_FL_KEEP_SIZE = 0x01;
    static final int FALLOC_FL_PUNCH_HOLE = 0x02;
    /** _IOR(0x12, 114, size_t) on 64-bit Linux. */
    static final long BLKGETSIZE64 = 0x80081272L;
    static final int EOPNOTSUPP = 95;
    static final int ENOSYS = 38;

    private static final MethodHandle OPEN;
    private static final MethodHandle CLOSE;
    private static final MethodHandle IOCTL;
    private static final MethodHandle FALLOCATE;
    private static final StructLayout CALL_STATE;
    private static final VarHandle ERRNO;
    private static final String UNAVAILABLE_REASON;

    static {
        MethodHandle open = null;
        MethodHandle close = null;
        MethodHandle ioctl = null;
        MethodHandle fallocate = null;
        StructLayout state = null;
        VarHandle errno = null;
        String reason = null;
        String os = System.getProperty("os.name", "");
        if (!os.toLowerCase(java.util.Locale.ROOT).contains("linux")) {
            reason = "os.name is '" + os + "', not Linux";
        } else {
            try {
                Linker linker = Linker.nativeLinker();
                SymbolLookup libc = linker.defaultLookup();
                Linker.Option ccs = Linker.Option.captureCallState("errno");
                state = Linker.Option.captureStateLayout();
                errno = state.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
                open = linker.downcallHandle(libc.find("open").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT),
                        ccs, Linker.Option.firstVariadicArg(2));
                close = linker.downcallHandle(libc.find("close").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
                ioctl = linker.downcallHandle(libc.find("ioctl").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS),
                        ccs, Linker.Option.firstVariadicArg(2));
                fallocate = linker.downcallHandle(libc.find("fallocate").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                                ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG),
                        ccs);
            } catch (RuntimeException | Error e) {
                reason = e.toString();
            }
        }
        OPEN = open;
        CLOSE = close;
        IOCTL = ioctl;
        FALLOCATE = fallocate;
        CALL_STATE = state;
        ERRNO = errno;
        UNAVAILABLE_REASON = reason;
    }

    private LinuxFileOps() {}

    /** Whether the native calls are bound. */
    static boolean available() {
        return UNAVAILABLE_REASON == null;
    }

    /** Why they are not (null when available). */
    static String unavailableReason() {
        return UNAVAILABLE_REASON;
    }

    /** open(2) with O_CLOEXEC; returns the descriptor. */
    static int open(Path path, boolean readOnly) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment name = arena.allocateFrom(path.toString());
            int fd = (int) OPEN.invokeExact(state, name, (readOnly ? O_RDONLY : O_RDWR) | O_CLOEXEC, 0);
            if (fd < 0) {
                throw failure("open", path, errno(state));
            }
            return fd;
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("open " + path + ": " + t, t);
        }
    }

    static void close(int fd) {
        try {
            int ignored = (int) CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            // Closing is best effort; the descriptor is ours alone and nothing is buffered on it.
        }
    }

    /** ioctl(BLKGETSIZE64): the size in bytes of the block device open at {@code fd}. */
    static long blockDeviceSize(int fd, Path path) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment size = arena.allocate(ValueLayout.JAVA_LONG);
            int rc = (int) IOCTL.invokeExact(state, fd, BLKGETSIZE64, size);
            if (rc != 0) {
                throw failure("ioctl(BLKGETSIZE64)", path, errno(state));
            }
            return size.get(ValueLayout.JAVA_LONG, 0);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("ioctl(BLKGETSIZE64) " + path + ": " + t, t);
        }
    }

    /**
     * fallocate(PUNCH_HOLE | KEEP_SIZE): the range reads back as zeroes and its storage is
     * released. Returns 0, or the errno when the file system or device cannot do it
     * (EOPNOTSUPP, ENOSYS), so the caller can fall back; other failures throw.
     */
    static int punchHole(int fd, Path path, long offset, long length) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) FALLOCATE.invokeExact(state, fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, length);
            if (rc == 0) {
                return 0;
            }
            int err = errno(state);
            if (err == EOPNOTSUPP || err == ENOSYS) {
                return err;
            }
            throw failure("fallocate(PUNCH_HOLE) [" + offset + ", +" + length + ")", path, err);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("fallocate " + path + ": " + t, t);
        }
    }

    private static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    private static IOException failure(String call, Path path, int errno) {
        return new IOException(call + " on " + path + " failed: errno " + errno);
    }
}
