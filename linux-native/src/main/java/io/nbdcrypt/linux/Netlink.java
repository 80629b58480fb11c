package io.nbdcrypt.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A generic-netlink socket ({@code AF_NETLINK}, {@code NETLINK_GENERIC}) for request/reply
 * exchanges with the kernel: {@link #send} one request, {@link #receive} the datagrams that
 * answer it. The kernel binds the port on the first send. Not thread-safe; close it when done.
 */
public final class Netlink implements AutoCloseable {
    private static final int AF_NETLINK = 16;
    private static final int SOCK_RAW = 3;
    private static final int NETLINK_GENERIC = 16;
    /** Large enough for any reply this project asks for (a family description is a few KiB). */
    private static final int RECEIVE_BUFFER = 64 * 1024;

    private static final NativeCalls.Bound SOCKET =
            NativeCalls.bind("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), -1);
    private static final NativeCalls.Bound SEND =
            NativeCalls.bind("send", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT), -1);
    private static final NativeCalls.Bound RECV =
            NativeCalls.bind("recv", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT), -1);

    private final int fd;

    private Netlink(int fd) {
        this.fd = fd;
    }

    /** A new generic-netlink socket. */
    public static Netlink openGeneric() throws NativeException {
        int fd = (int) Syscall.run("socket", "AF_NETLINK/NETLINK_GENERIC", (state, arena) ->
                (int) SOCKET.require().invokeExact(state, AF_NETLINK, SOCK_RAW | Sockets.SOCK_CLOEXEC, NETLINK_GENERIC));
        return new Netlink(fd);
    }

    /** Sends one whole message. */
    public void send(ByteBuffer message) throws NativeException {
        byte[] bytes = new byte[message.remaining()];
        message.duplicate().get(bytes);
        Syscall.run("send", "netlink", (state, arena) -> {
            MemorySegment buf = arena.allocateFrom(JAVA_BYTE, bytes);
            return (long) SEND.require().invokeExact(state, fd, buf, (long) bytes.length, 0);
        });
    }

    /** Blocks for the next datagram (one or more messages). */
    public ByteBuffer receive() throws NativeException {
        byte[][] out = new byte[1][];
        Syscall.run("recv", "netlink", (state, arena) -> {
            MemorySegment buf = arena.allocate(RECEIVE_BUFFER);
            long n = (long) RECV.require().invokeExact(state, fd, buf, (long) RECEIVE_BUFFER, 0);
            if (n >= 0) {
                out[0] = buf.asSlice(0, n).toArray(JAVA_BYTE);
            }
            return n;
        });
        return ByteBuffer.wrap(out[0]).order(ByteOrder.nativeOrder());
    }

    @Override
    public void close() {
        Libc.close(fd);
    }
}
