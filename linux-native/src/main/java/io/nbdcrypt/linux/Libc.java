package io.nbdcrypt.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * The plain libc calls on file descriptors: {@code open}, {@code close}, {@code ioctl},
 * {@code fallocate}, {@code flock}, {@code lseek}, and {@code pread}/{@code pwrite} straight
 * into or out of a Java array. Each failure is a {@link NativeException} naming the call,
 * its target and errno; callers that expect a particular errno (EOPNOTSUPP from fallocate,
 * EWOULDBLOCK from flock, ENXIO from lseek's SEEK_DATA past the last data) catch it and branch on {@link NativeException#errno()}.
 */
public final class Libc {
    public static final int O_RDONLY = 0;
    public static final int O_RDWR = 2;
    public static final int O_EXCL = 0x80;
    public static final int O_CLOEXEC = 0x80000;
    public static final int LOCK_SH = 1;
    public static final int LOCK_EX = 2;
    public static final int LOCK_NB = 4;
    public static final int LOCK_UN = 8;
    public static final int FALLOC_FL_KEEP_SIZE = 0x01;
    public static final int FALLOC_FL_PUNCH_HOLE = 0x02;
    /** lseek: the first offset at or after the given one that holds data (ENXIO if none before the end). */
    public static final int SEEK_DATA = 3;
    /** lseek: the first offset at or after the given one in a hole (the end of the file counts as one). */
    public static final int SEEK_HOLE = 4;

    private static final NativeCalls.Bound OPEN =
            NativeCalls.bind("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), 2);
    private static final NativeCalls.Bound CLOSE = NativeCalls.bind("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT), -1);
    private static final NativeCalls.Bound IOCTL_PTR =
            NativeCalls.bind("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), 2);
    private static final NativeCalls.Bound IOCTL_LONG =
            NativeCalls.bind("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), 2);
    private static final NativeCalls.Bound FALLOCATE =
            NativeCalls.bind("fallocate", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), -1);
    private static final NativeCalls.Bound FLOCK =
            NativeCalls.bind("flock", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), -1);
    /** Most bytes one {@link #pread}/{@link #pwrite} moves: each call holds off safepoints while it runs. */
    public static final int MAX_HEAP_TRANSFER = 1 << 20;

    private static final NativeCalls.Bound PREAD =
            NativeCalls.bindHeapAccess("pread", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    private static final NativeCalls.Bound PWRITE =
            NativeCalls.bindHeapAccess("pwrite", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    private static final NativeCalls.Bound LSEEK =
            NativeCalls.bind("lseek", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT), -1);

    private Libc() {}

    /** {@code open(path, flags | O_CLOEXEC)}; returns the new descriptor. */
    public static int open(Path path, int flags) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = NativeCalls.callState(arena);
            int fd = (int) OPEN.require().invokeExact(state, arena.allocateFrom(path.toString()), flags | O_CLOEXEC, 0);
            if (fd < 0) {
                throw new NativeException("open", path.toString(), NativeCalls.errno(state));
            }
            return fd;
        } catch (NativeException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new NativeException("open", path.toString(), 0, t.toString());
        }
    }

    /** {@code close(fd)}, best effort: the descriptor is ours alone and nothing is buffered on it. */
    public static void close(int fd) {
        if (fd < 0) {
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            int ignored = (int) CLOSE.require().invokeExact(NativeCalls.callState(arena), fd);
        } catch (Throwable t) {
            // Nothing to recover: a failed close of a descriptor we own loses no data here.
        }
    }

    /**
     * {@code ioctl(fd, request, arg)} with a pointer argument; returns the call's non-negative result.
     *
     * @param name the request's name for messages, e.g. {@code "BLKGETSIZE64"}
     */
    public static int ioctl(int fd, long request, MemorySegment arg, String name, String target) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = NativeCalls.callState(arena);
            int rc = (int) IOCTL_PTR.require().invokeExact(state, fd, request, arg);
            if (rc < 0) {
                throw new NativeException("ioctl(" + name + ")", target, NativeCalls.errno(state));
            }
            return rc;
        } catch (NativeException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new NativeException("ioctl(" + name + ")", target, 0, t.toString());
        }
    }

    /** {@code ioctl(fd, request, arg)} with an integer argument (e.g. a descriptor or a size). */
    public static int ioctl(int fd, long request, long arg, String name, String target) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = NativeCalls.callState(arena);
            int rc = (int) IOCTL_LONG.require().invokeExact(state, fd, request, arg);
            if (rc < 0) {
                throw new NativeException("ioctl(" + name + ")", target, NativeCalls.errno(state));
            }
            return rc;
        } catch (NativeException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new NativeException("ioctl(" + name + ")", target, 0, t.toString());
        }
    }

    /** {@code fallocate(fd, mode, offset, length)}. */
    public static void fallocate(int fd, int mode, long offset, long length, String target) throws NativeException {
        String call = "fallocate [" + offset + ", +" + length + ")";
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = NativeCalls.callState(arena);
            int rc = (int) FALLOCATE.require().invokeExact(state, fd, mode, offset, length);
            if (rc != 0) {
                throw new NativeException(call, target, NativeCalls.errno(state));
            }
        } catch (NativeException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new NativeException(call, target, 0, t.toString());
        }
    }

    /**
     * {@code flock(fd, operation)}. With {@link #LOCK_NB}, a lock held elsewhere fails with
     * errno {@link Errno#EWOULDBLOCK}.
     */
    public static void flock(int fd, int operation, String target) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = NativeCalls.callState(arena);
            int rc = (int) FLOCK.require().invokeExact(state, fd, operation);
            if (rc != 0) {
                throw new NativeException("flock", target, NativeCalls.errno(state));
            }
        } catch (NativeException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new NativeException("flock", target, 0, t.toString());
        }
    }

    /**
     * {@code lseek(fd, offset, whence)}; returns the resulting offset. With {@link #SEEK_DATA}
     * or {@link #SEEK_HOLE} this maps the holes of a sparse file (file systems without hole
     * support report everything as data, block devices too); SEEK_DATA at or after the last
     * data fails with errno {@link Errno#ENXIO}.
     */
    public static long lseek(int fd, long offset, int whence, String target) throws NativeException {
        String call = "lseek(" + offset + ", " + (whence == SEEK_DATA ? "SEEK_DATA" : whence == SEEK_HOLE ? "SEEK_HOLE"
                : String.valueOf(whence)) + ")";
        return Syscall.run(call, target, (state, arena) -> (long) LSEEK.require().invokeExact(state, fd, offset, whence));
    }

    /**
     * {@code pread(fd, a + off, len, position)} into a Java array without a bounce copy (the
     * JDK's {@code FileChannel} reads heap buffers through a temporary direct buffer). Returns
     * the bytes read, 0 at end of file; may read fewer than asked, like pread. EINTR is retried.
     *
     * @param len at most {@link #MAX_HEAP_TRANSFER}
     */
    public static int pread(int fd, byte[] a, int off, int len, long position, String target) throws NativeException {
        return transfer(PREAD, "pread", fd, a, off, len, position, target);
    }

    /** {@code pwrite(fd, a + off, len, position)} out of a Java array; as {@link #pread}, returns the bytes written. */
    public static int pwrite(int fd, byte[] a, int off, int len, long position, String target) throws NativeException {
        return transfer(PWRITE, "pwrite", fd, a, off, len, position, target);
    }

    private static int transfer(NativeCalls.Bound fn, String name, int fd, byte[] a, int off, int len, long position,
            String target) throws NativeException {
        java.util.Objects.checkFromIndexSize(off, len, a.length);
        if (len > MAX_HEAP_TRANSFER) {
            throw new IllegalArgumentException(name + " of " + len + " bytes: at most " + MAX_HEAP_TRANSFER + " per call");
        }
        MemorySegment buf = MemorySegment.ofArray(a).asSlice(off, len);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = NativeCalls.callState(arena);
            while (true) {
                long n = (long) fn.require().invokeExact(state, fd, buf, (long) len, position);
                if (n >= 0) {
                    return (int) n;
                }
                int errno = NativeCalls.errno(state);
                if (errno != Errno.EINTR) {
                    throw new NativeException(name + "(" + len + " bytes at " + position + ")", target, errno);
                }
            }
        } catch (NativeException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new NativeException(name, target, 0, t.toString());
        }
    }
}
