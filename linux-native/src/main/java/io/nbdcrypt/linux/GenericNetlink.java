package io.nbdcrypt.linux;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Requests to a generic-netlink family: resolves the family's id by name through the
 * controller ({@code nlctrl}, id {@value #GENL_ID_CTRL}), sends a command with
 * {@code NLM_F_ACK} and collects its reply: the attributes of the family's answer, or a
 * {@link NativeException} carrying the kernel's errno.
 */
public final class GenericNetlink implements AutoCloseable {
    /** The controller family's fixed id ({@code GENL_ID_CTRL}). */
    public static final int GENL_ID_CTRL = 0x10;
    static final int CTRL_CMD_GETFAMILY = 3;
    static final int CTRL_ATTR_FAMILY_ID = 1;
    static final int CTRL_ATTR_FAMILY_NAME = 2;
    private static final AtomicInteger SEQUENCE = new AtomicInteger((int) (System.nanoTime() & 0xffff));

    private final Netlink socket;

    private GenericNetlink(Netlink socket) {
        this.socket = socket;
    }

    public static GenericNetlink open() throws NativeException {
        return new GenericNetlink(Netlink.openGeneric());
    }

    /**
     * The id of the family called {@code name}, or empty when the kernel has none (its module
     * not loaded, or the kernel too old).
     */
    public Optional<Integer> resolve(String name) throws NativeException {
        try {
            Map<Integer, ByteBuffer> a = request(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1,
                    new NetlinkMessages.Attributes().string(CTRL_ATTR_FAMILY_NAME, name), "resolve family " + name);
            ByteBuffer id = a.get(CTRL_ATTR_FAMILY_ID);
            if (id == null) {
                throw new NativeException("netlink", "family " + name, Errno.EIO, "reply without CTRL_ATTR_FAMILY_ID");
            }
            return Optional.of(NetlinkMessages.u16(id));
        } catch (NativeException e) {
            if (e.errno() == Errno.ENOENT) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /**
     * Sends {@code cmd} to {@code family} and waits for its acknowledgement.
     *
     * @param what names the request in messages, e.g. {@code "NBD_CMD_CONNECT"}
     * @return the attributes of the family's reply message, empty if it sent only the acknowledgement
     * @throws NativeException with the kernel's errno when it refused the request
     */
    public Map<Integer, ByteBuffer> request(int family, int cmd, int version, NetlinkMessages.Attributes attributes,
            String what) throws NativeException {
        int seq = SEQUENCE.incrementAndGet();
        socket.send(NetlinkMessages.request(family, NetlinkMessages.NLM_F_REQUEST | NetlinkMessages.NLM_F_ACK, seq, cmd,
                version, attributes));
        Map<Integer, ByteBuffer> reply = Map.of();
        while (true) {
            for (NetlinkMessages.Message m : parse(socket.receive(), what)) {
                if (m.seq() != seq) {
                    continue; // a late answer to an earlier request
                }
                if (m.isError()) {
                    throw new NativeException(what, "", -m.error());
                }
                if (m.isAck() || m.type() == NetlinkMessages.NLMSG_DONE) {
                    return reply;
                }
                reply = m.attributes();
            }
        }
    }

    private static java.util.List<NetlinkMessages.Message> parse(ByteBuffer datagram, String what) throws NativeException {
        try {
            return NetlinkMessages.parse(datagram);
        } catch (IllegalArgumentException e) {
            throw new NativeException(what, "", Errno.EIO, "malformed netlink reply: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        socket.close();
    }
}
