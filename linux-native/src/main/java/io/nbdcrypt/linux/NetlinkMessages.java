package io.nbdcrypt.linux;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The generic-netlink wire format, bytes only (no socket here, so it is tested with byte
 * fixtures): a request is {@code struct nlmsghdr} (length, type, flags, sequence, port id),
 * {@code struct genlmsghdr} (command, version, reserved) and attributes ({@code struct nlattr}:
 * a 16-bit length including its 4-byte header, a 16-bit type, the payload, padding to 4
 * bytes). Host byte order throughout, as the kernel reads it ({@code linux/netlink.h},
 * {@code linux/genetlink.h}).
 */
public final class NetlinkMessages {
    /** {@code NLMSG_ERROR}: an error code (0 = acknowledgement) and the request's header. */
    public static final int NLMSG_ERROR = 2;
    /** {@code NLMSG_DONE}: the end of a multi-part reply. */
    public static final int NLMSG_DONE = 3;
    public static final int NLM_F_REQUEST = 1;
    public static final int NLM_F_ACK = 4;
    /** Set on an attribute type whose payload is itself attributes. */
    public static final int NLA_F_NESTED = 1 << 15;
    static final int NLMSG_HDRLEN = 16;
    static final int GENL_HDRLEN = 4;
    static final int NLA_HDRLEN = 4;
    private static final int ATTR_TYPE_MASK = ~(NLA_F_NESTED | (1 << 14)) & 0xffff;

    private NetlinkMessages() {}

    /** Attributes being built, in order; nested ones through {@link #nested}. */
    public static final class Attributes {
        private final ByteBuffer buf = ByteBuffer.allocate(4096).order(ByteOrder.nativeOrder());

        public Attributes u32(int type, int value) {
            header(type, 4).putInt(value);
            return pad();
        }

        public Attributes u64(int type, long value) {
            header(type, 8).putLong(value);
            return pad();
        }

        /** A NUL-terminated string, as {@code NLA_NUL_STRING} and {@code nla_put_string} spell it. */
        public Attributes string(int type, String value) {
            byte[] b = value.getBytes(StandardCharsets.UTF_8);
            header(type, b.length + 1).put(b).put((byte) 0);
            return pad();
        }

        /** An attribute whose payload is the attributes {@code body} adds (with {@link #NLA_F_NESTED} set). */
        public Attributes nested(int type, Consumer<Attributes> body) {
            Attributes inner = new Attributes();
            body.accept(inner);
            ByteBuffer content = inner.bytes();
            header(type | NLA_F_NESTED, content.remaining()).put(content);
            return pad();
        }

        /** The attributes so far, ready to read. */
        public ByteBuffer bytes() {
            return buf.duplicate().flip();
        }

        private ByteBuffer header(int type, int payload) {
            if (NLA_HDRLEN + payload > 0xffff) {
                throw new IllegalArgumentException("netlink attribute " + type + " of " + payload + " bytes is too long");
            }
            return buf.putShort((short) (NLA_HDRLEN + payload)).putShort((short) type);
        }

        private Attributes pad() {
            while (buf.position() % 4 != 0) {
                buf.put((byte) 0);
            }
            return this;
        }
    }

    /** One whole request: netlink header, generic header, attributes. */
    public static ByteBuffer request(int family, int flags, int seq, int cmd, int version, Attributes attributes) {
        ByteBuffer attrs = attributes.bytes();
        int len = NLMSG_HDRLEN + GENL_HDRLEN + attrs.remaining();
        ByteBuffer b = ByteBuffer.allocate(len).order(ByteOrder.nativeOrder());
        b.putInt(len).putShort((short) family).putShort((short) flags).putInt(seq).putInt(0);
        b.put((byte) cmd).put((byte) version).putShort((short) 0);
        b.put(attrs);
        return b.flip();
    }

    /**
     * One message of a reply.
     *
     * @param type       the family id, or {@link #NLMSG_ERROR} / {@link #NLMSG_DONE}
     * @param seq        the sequence number it answers
     * @param error      for {@link #NLMSG_ERROR}: 0 (an acknowledgement) or a negative errno
     * @param cmd        the generic command of a family message
     * @param attributes the family message's top-level attributes by type (flags masked off)
     */
    public record Message(int type, int seq, int error, int cmd, Map<Integer, ByteBuffer> attributes) {
        public boolean isError() {
            return type == NLMSG_ERROR && error != 0;
        }

        public boolean isAck() {
            return type == NLMSG_ERROR && error == 0;
        }
    }

    /**
     * Every message in one datagram read from a netlink socket.
     *
     * @throws IllegalArgumentException when a length field does not fit the bytes received
     */
    public static List<Message> parse(ByteBuffer datagram) {
        ByteBuffer b = datagram.duplicate().order(ByteOrder.nativeOrder());
        List<Message> out = new ArrayList<>();
        while (b.remaining() >= NLMSG_HDRLEN) {
            int start = b.position();
            int len = b.getInt();
            int type = Short.toUnsignedInt(b.getShort());
            b.getShort(); // flags
            int seq = b.getInt();
            b.getInt(); // port id
            if (len < NLMSG_HDRLEN || len > b.limit() - start) {
                throw new IllegalArgumentException("netlink message length " + len + " does not fit the "
                        + (b.limit() - start) + " bytes received");
            }
            ByteBuffer body = b.slice(start + NLMSG_HDRLEN, len - NLMSG_HDRLEN).order(ByteOrder.nativeOrder());
            if (type == NLMSG_ERROR) {
                out.add(new Message(type, seq, body.remaining() >= 4 ? body.getInt(0) : -Errno.EIO, 0, Map.of()));
            } else if (type == NLMSG_DONE) {
                out.add(new Message(type, seq, 0, 0, Map.of()));
            } else {
                if (body.remaining() < GENL_HDRLEN) {
                    throw new IllegalArgumentException("generic netlink message of " + len + " bytes has no genlmsghdr");
                }
                int cmd = Byte.toUnsignedInt(body.get(0));
                out.add(new Message(type, seq, 0, cmd, attributes(body.slice(GENL_HDRLEN, body.remaining() - GENL_HDRLEN))));
            }
            b.position(start + align(len));
            if (b.position() > b.limit()) {
                break;
            }
        }
        return out;
    }

    /** The attributes in {@code payload} (e.g. a nested attribute's), by type; the last of a repeated type wins. */
    public static Map<Integer, ByteBuffer> attributes(ByteBuffer payload) {
        Map<Integer, ByteBuffer> out = new LinkedHashMap<>();
        for (Attribute a : attributeList(payload)) {
            out.put(a.type(), a.payload());
        }
        return Collections.unmodifiableMap(out);
    }

    /** One attribute: its type (flags masked off) and payload. */
    public record Attribute(int type, ByteBuffer payload) {}

    /** The attributes in {@code payload}, in order (repeated types kept, as nested lists use them). */
    public static List<Attribute> attributeList(ByteBuffer payload) {
        ByteBuffer b = payload.duplicate().order(ByteOrder.nativeOrder());
        List<Attribute> out = new ArrayList<>();
        while (b.remaining() >= NLA_HDRLEN) {
            int start = b.position();
            int len = Short.toUnsignedInt(b.getShort());
            int type = Short.toUnsignedInt(b.getShort()) & ATTR_TYPE_MASK;
            if (len < NLA_HDRLEN || len > b.limit() - start) {
                throw new IllegalArgumentException("netlink attribute " + type + " length " + len + " does not fit");
            }
            out.add(new Attribute(type, b.slice(start + NLA_HDRLEN, len - NLA_HDRLEN).order(ByteOrder.nativeOrder())));
            b.position(Math.min(b.limit(), start + align(len)));
        }
        return out;
    }

    /** A u16 attribute's value (e.g. {@code CTRL_ATTR_FAMILY_ID}). */
    public static int u16(ByteBuffer payload) {
        return Short.toUnsignedInt(payload.getShort(0));
    }

    /** A u32 attribute's value (e.g. {@code NBD_ATTR_INDEX}). */
    public static int u32(ByteBuffer payload) {
        return payload.getInt(0);
    }

    private static int align(int len) {
        return (len + 3) & ~3;
    }
}
