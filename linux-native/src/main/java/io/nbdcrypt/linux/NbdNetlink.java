package io.nbdcrypt.linux;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The kernel NBD client's generic-netlink family {@code "nbd"} (Linux 4.12+): connect sockets
 * that already speak the transmission phase to a {@code /dev/nbdN}, and disconnect it.
 * Attribute and command numbers are those of {@code include/uapi/linux/nbd-netlink.h}; client
 * flags those of {@code nbd.h}. Needs {@code CAP_SYS_ADMIN}.
 */
public final class NbdNetlink implements AutoCloseable {
    public static final String FAMILY = "nbd";
    static final int VERSION = 1;
    static final int CMD_CONNECT = 1;
    static final int CMD_DISCONNECT = 2;
    static final int ATTR_INDEX = 1;
    static final int ATTR_SIZE_BYTES = 2;
    static final int ATTR_BLOCK_SIZE_BYTES = 3;
    static final int ATTR_TIMEOUT = 4;
    static final int ATTR_SERVER_FLAGS = 5;
    static final int ATTR_CLIENT_FLAGS = 6;
    static final int ATTR_SOCKETS = 7;
    static final int ATTR_DEAD_CONN_TIMEOUT = 8;
    static final int SOCK_ITEM = 1;
    static final int SOCK_FD = 1;
    /** Remove the device when it disconnects ({@code NBD_CFLAG_DESTROY_ON_DISCONNECT}). */
    public static final long CFLAG_DESTROY_ON_DISCONNECT = 1;
    /** Disconnect when the last opener closes the device ({@code NBD_CFLAG_DISCONNECT_ON_CLOSE}). */
    public static final long CFLAG_DISCONNECT_ON_CLOSE = 1 << 1;

    private final GenericNetlink netlink;
    private final int family;

    private NbdNetlink(GenericNetlink netlink, int family) {
        this.netlink = netlink;
        this.family = family;
    }

    /**
     * The nbd family, or empty when this kernel has none (no nbd module, or older than 4.12).
     *
     * @throws NativeException when netlink itself cannot be used
     */
    public static Optional<NbdNetlink> open() throws NativeException {
        GenericNetlink g = GenericNetlink.open();
        try {
            Optional<Integer> id = g.resolve(FAMILY);
            if (id.isEmpty()) {
                g.close();
                return Optional.empty();
            }
            return Optional.of(new NbdNetlink(g, id.get()));
        } catch (NativeException | RuntimeException e) {
            g.close();
            throw e;
        }
    }

    /**
     * What to connect.
     *
     * @param index            the device to use, or empty to let the kernel pick a free one
     * @param sizeBytes        the export's size
     * @param blockSize        the logical block size (512..page size, a power of two)
     * @param serverFlags      the export's NBD transmission flags
     * @param socketFds        connected sockets in the transmission phase (more than one needs
     *                         {@code NBD_FLAG_CAN_MULTI_CONN}); the kernel takes its own reference
     * @param timeoutSeconds   a request unanswered this long fails its connection (0: never)
     * @param deadConnTimeoutSeconds how long requests wait for a dead connection to be replaced
     *                         before they fail (0: fail at once)
     * @param clientFlags      {@link #CFLAG_DISCONNECT_ON_CLOSE}, {@link #CFLAG_DESTROY_ON_DISCONNECT}
     */
    public record ConnectRequest(OptionalInt index, long sizeBytes, long blockSize, long serverFlags,
            List<Integer> socketFds, long timeoutSeconds, long deadConnTimeoutSeconds, long clientFlags) {
        public ConnectRequest {
            socketFds = List.copyOf(socketFds);
            if (socketFds.isEmpty()) {
                throw new IllegalArgumentException("NBD_CMD_CONNECT needs at least one socket");
            }
        }
    }

    /** The attributes of {@code NBD_CMD_CONNECT} for {@code r}. */
    static NetlinkMessages.Attributes connectAttributes(ConnectRequest r) {
        NetlinkMessages.Attributes a = new NetlinkMessages.Attributes();
        r.index().ifPresent(i -> a.u32(ATTR_INDEX, i));
        a.u64(ATTR_SIZE_BYTES, r.sizeBytes())
                .u64(ATTR_BLOCK_SIZE_BYTES, r.blockSize())
                .u64(ATTR_SERVER_FLAGS, r.serverFlags())
                .u64(ATTR_TIMEOUT, r.timeoutSeconds())
                .u64(ATTR_DEAD_CONN_TIMEOUT, r.deadConnTimeoutSeconds())
                .u64(ATTR_CLIENT_FLAGS, r.clientFlags())
                .nested(ATTR_SOCKETS, socks -> {
                    for (int fd : r.socketFds()) {
                        socks.nested(SOCK_ITEM, item -> item.u32(SOCK_FD, fd));
                    }
                });
        return a;
    }

    /**
     * {@code NBD_CMD_CONNECT}: returns the index N of the {@code /dev/nbdN} now serving the sockets.
     *
     * @throws NativeException with errno EBUSY when the asked-for device is in use, EINVAL for
     *                         a refused size or block size, EPERM without CAP_SYS_ADMIN
     */
    public int connect(ConnectRequest r) throws NativeException {
        String what = "NBD_CMD_CONNECT" + (r.index().isPresent() ? " /dev/nbd" + r.index().getAsInt() : "");
        Map<Integer, ByteBuffer> reply = netlink.request(family, CMD_CONNECT, VERSION, connectAttributes(r), what);
        ByteBuffer index = reply.get(ATTR_INDEX);
        if (index != null) {
            return NetlinkMessages.u32(index);
        }
        if (r.index().isPresent()) {
            return r.index().getAsInt();
        }
        throw new NativeException(what, "", Errno.EIO, "the kernel did not say which device it connected");
    }

    /** {@code NBD_CMD_DISCONNECT} of {@code /dev/nbd<index>}: the kernel sends NBD_CMD_DISC and drops the sockets. */
    public void disconnect(int index) throws NativeException {
        netlink.request(family, CMD_DISCONNECT, VERSION, new NetlinkMessages.Attributes().u32(ATTR_INDEX, index),
                "NBD_CMD_DISCONNECT /dev/nbd" + index);
    }

    @Override
    public void close() {
        netlink.close();
    }
}
