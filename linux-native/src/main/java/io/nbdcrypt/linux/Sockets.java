package io.nbdcrypt.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

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

    private Sockets() {}

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
