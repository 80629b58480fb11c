package io.nbdcrypt.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Unix stream sockets the JDK cannot make: a connected pair whose descriptors can be handed to
 * the kernel (the in-process NBD attach gives one end to the kernel's NBD client and serves the
 * other), and a client socket to a unix path whose descriptor can be handed over the same way.
 * Plain blocking {@link #read}/{@link #write} for the short exchanges done before a hand-over
 * (the NBD handshake of {@code nbdcrypt attach}).
 */
public final class Sockets {
    static final int AF_UNIX = 1;
    static final int SOCK_STREAM = 1;
    static final int SOCK_CLOEXEC = 0x80000;
    private static final int F_GETFL = 3;
    private static final int F_SETFL = 4;
    private static final int O_NONBLOCK = 0x800;
    private static final int F_DUPFD_CLOEXEC = 1030;
    private static final int EAGAIN = 11;
    private static final int EINTR = 4;
    private static final short POLLOUT = 0x4;
    /** {@code struct iovec}: base pointer and length. */
    private static final long IOVEC_SIZE = 16;
    /** {@code sizeof(struct sockaddr_un)}: a 2-byte family and a 108-byte path. */
    private static final int SOCKADDR_UN_SIZE = 110;
    private static final int SUN_PATH_MAX = 107;

    private static final NativeCalls.Bound SOCKETPAIR =
            NativeCalls.bind("socketpair", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS), -1);
    private static final NativeCalls.Bound SOCKET =
            NativeCalls.bind("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), -1);
    private static final NativeCalls.Bound CONNECT =
            NativeCalls.bind("connect", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), -1);
    private static final NativeCalls.Bound FCNTL =
            NativeCalls.bind("fcntl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), 2);
    private static final NativeCalls.Bound READ =
            NativeCalls.bind("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), -1);
    private static final NativeCalls.Bound WRITE =
            NativeCalls.bind("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), -1);

    private static final NativeCalls.Bound WRITEV =
            NativeCalls.bind("writev", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT), -1);
    /** {@code write} straight from a Java array: non-blocking, so it copies at most a socket buffer's worth. */
    private static final NativeCalls.Bound WRITE_HEAP =
            NativeCalls.bindHeapAccess("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    /** Most bytes one heap {@code write} offers, in case a descriptor is blocking after all. */
    private static final int MAX_HEAP_WRITE = 256 << 10;
    private static final NativeCalls.Bound POLL =
            NativeCalls.bind("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT), -1);

    private Sockets() {}

    /**
     * A second descriptor for the socket {@code fd} names (close-on-exec), which its holder
     * closes on its own schedule: writing through it stays safe after the first is closed and
     * its number reused.
     */
    public static int duplicate(int fd) throws NativeException {
        return (int) Syscall.run("fcntl(F_DUPFD_CLOEXEC)", "fd " + fd,
                (state, arena) -> (int) FCNTL.require().invokeExact(state, fd, F_DUPFD_CLOEXEC, 0));
    }

    /**
     * Writes what a non-blocking socket takes now of the buffers' remaining bytes, in order,
     * advancing their positions; 0 when it takes nothing (EAGAIN, or a signal). Direct buffers go
     * in one {@code writev}; a buffer backed by a Java array is written from the array itself,
     * without a copy into native memory (so heap and direct buffers cost the same syscalls, one
     * per array).
     */
    public static long writeAvailable(int fd, ByteBuffer[] buffers) throws NativeException {
        boolean allDirect = true;
        for (ByteBuffer b : buffers) {
            allDirect &= b.isDirect();
        }
        if (allDirect) {
            return writev(fd, buffers);
        }
        long total = 0;
        for (ByteBuffer b : buffers) {
            if (!b.hasRemaining()) {
                continue;
            }
            int want = b.remaining();
            long n = b.isDirect() ? writev(fd, new ByteBuffer[] {b}) : writeHeap(fd, b);
            total += n;
            if (n < want) {
                break;
            }
        }
        return total;
    }

    private static long writev(int fd, ByteBuffer[] buffers) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment iov = arena.allocate(IOVEC_SIZE * buffers.length, 8);
            for (int i = 0; i < buffers.length; i++) {
                ByteBuffer b = buffers[i];
                iov.set(ADDRESS, i * IOVEC_SIZE, MemorySegment.ofBuffer(b));
                iov.set(JAVA_LONG, i * IOVEC_SIZE + 8, b.remaining());
            }
            MemorySegment state = NativeCalls.callState(arena);
            long n = (long) WRITEV.require().invokeExact(state, fd, iov, buffers.length);
            long done = written(n, state, "writev", fd);
            long left = done;
            for (ByteBuffer b : buffers) {
                int step = (int) Math.min(left, b.remaining());
                b.position(b.position() + step);
                left -= step;
            }
            return done;
        } catch (NativeException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new NativeException("writev", "fd " + fd, 0, t.toString());
        }
    }

    private static long writeHeap(int fd, ByteBuffer b) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            int len = Math.min(b.remaining(), MAX_HEAP_WRITE);
            MemorySegment src = MemorySegment.ofBuffer(b);
            MemorySegment state = NativeCalls.callState(arena);
            long n = written((long) WRITE_HEAP.require().invokeExact(state, fd, src, (long) len), state, "write", fd);
            b.position(b.position() + (int) n);
            return n;
        } catch (NativeException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new NativeException("write", "fd " + fd, 0, t.toString());
        }
    }

    /** A write's result: bytes written, 0 for EAGAIN or EINTR; other failures throw. */
    private static long written(long rc, MemorySegment state, String call, int fd) throws NativeException {
        if (rc >= 0) {
            return rc;
        }
        int errno = NativeCalls.errno(state);
        if (errno == EAGAIN || errno == EINTR) {
            return 0;
        }
        throw new NativeException(call, "fd " + fd, errno);
    }

    /**
     * Waits up to {@code timeoutMillis} until {@code fd} can take more bytes (or has failed,
     * which the next write reports); false when the time ran out.
     */
    public static boolean awaitWritable(int fd, int timeoutMillis) throws NativeException {
        long ready = Syscall.run("poll(POLLOUT)", "fd " + fd, (state, arena) -> {
            MemorySegment pfd = arena.allocate(8, 4);
            pfd.set(JAVA_INT, 0, fd);
            pfd.set(JAVA_SHORT, 4, POLLOUT);
            int rc = (int) POLL.require().invokeExact(state, pfd, 1L, timeoutMillis);
            return rc < 0 && NativeCalls.errno(state) == EINTR ? 0 : rc;
        });
        return ready > 0;
    }

    /** Two connected descriptors of one unix stream socket pair (close-on-exec, blocking). */
    public record Pair(int first, int second) {}

    /** {@code socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC)}. */
    public static Pair socketPair() throws NativeException {
        int[] fds = new int[2];
        Syscall.run("socketpair", "AF_UNIX", (state, arena) -> {
            MemorySegment sv = arena.allocate(JAVA_INT, 2);
            int rc = (int) SOCKETPAIR.require().invokeExact(state, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
            fds[0] = sv.getAtIndex(JAVA_INT, 0);
            fds[1] = sv.getAtIndex(JAVA_INT, 1);
            return rc;
        });
        return new Pair(fds[0], fds[1]);
    }

    /** A blocking unix stream socket connected to {@code path}; the caller closes it ({@link Libc#close}). */
    public static int connectUnix(Path path) throws NativeException {
        byte[] name = path.toString().getBytes(StandardCharsets.UTF_8);
        if (name.length > SUN_PATH_MAX) {
            throw new NativeException("connect", path.toString(), 0, "socket path longer than " + SUN_PATH_MAX + " bytes");
        }
        int fd = (int) Syscall.run("socket", "AF_UNIX",
                (state, arena) -> (int) SOCKET.require().invokeExact(state, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
        try {
            Syscall.run("connect", path.toString(), (state, arena) -> {
                MemorySegment addr = arena.allocate(SOCKADDR_UN_SIZE);
                addr.set(JAVA_SHORT, 0, (short) AF_UNIX);
                MemorySegment.copy(name, 0, addr, JAVA_BYTE, 2, name.length);
                return (int) CONNECT.require().invokeExact(state, fd, addr, SOCKADDR_UN_SIZE);
            });
            return fd;
        } catch (NativeException e) {
            Libc.close(fd);
            throw e;
        }
    }

    /** Sets {@code O_NONBLOCK} on {@code fd} (an event loop adopting it needs that). */
    public static void setNonBlocking(int fd) throws NativeException {
        int flags = (int) Syscall.run("fcntl(F_GETFL)", "fd " + fd,
                (state, arena) -> (int) FCNTL.require().invokeExact(state, fd, F_GETFL, 0));
        Syscall.run("fcntl(F_SETFL)", "fd " + fd,
                (state, arena) -> (int) FCNTL.require().invokeExact(state, fd, F_SETFL, flags | O_NONBLOCK));
    }

    /** Reads exactly {@code dst.remaining()} bytes; an end of stream first is an {@link NativeException} (EIO). */
    public static void readFully(int fd, ByteBuffer dst, String target) throws NativeException {
        while (dst.hasRemaining()) {
            int want = dst.remaining();
            byte[] got = new byte[want];
            long n = Syscall.run("read", target, (state, arena) -> {
                MemorySegment buf = arena.allocate(want);
                long r = (long) READ.require().invokeExact(state, fd, buf, (long) want);
                if (r > 0) {
                    MemorySegment.copy(buf, JAVA_BYTE, 0, got, 0, (int) r);
                }
                return r;
            });
            if (n == 0) {
                throw new NativeException("read", target, Errno.EIO, "connection closed by the peer");
            }
            dst.put(got, 0, (int) n);
        }
    }

    /** Writes all of {@code src}. */
    public static void writeFully(int fd, ByteBuffer src, String target) throws NativeException {
        while (src.hasRemaining()) {
            byte[] chunk = new byte[src.remaining()];
            src.duplicate().get(chunk);
            long n = Syscall.run("write", target, (state, arena) -> {
                MemorySegment buf = arena.allocateFrom(JAVA_BYTE, chunk);
                return (long) WRITE.require().invokeExact(state, fd, buf, (long) chunk.length);
            });
            src.position(src.position() + (int) n);
        }
    }
}
