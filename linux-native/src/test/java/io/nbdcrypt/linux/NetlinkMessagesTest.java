package io.nbdcrypt.linux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * The netlink codec against bytes written out by hand from {@code linux/netlink.h},
 * {@code genetlink.h} and {@code nbd-netlink.h} (x86-64 and arm64 are little-endian).
 */
class NetlinkMessagesTest {
    private static final HexFormat HEX = HexFormat.of();

    @Test
    void request_getFamilyNbd_isHeaderGenlHeaderAndNulTerminatedName() {
        ByteBuffer b = NetlinkMessages.request(0x10, NetlinkMessages.NLM_F_REQUEST | NetlinkMessages.NLM_F_ACK, 7, 3, 1,
                new NetlinkMessages.Attributes().string(2, "nbd"));

        // nlmsghdr: len 28, type 0x10, flags 5, seq 7, pid 0 | genlmsghdr: cmd 3 version 1 | nlattr len 8 type 2 "nbd\0"
        assertEquals("1c000000" + "1000" + "0500" + "07000000" + "00000000" + "03010000" + "0800" + "0200" + "6e626400",
                HEX.formatHex(bytes(b)));
    }

    @Test
    void connectAttributes_oneSocket_matchNbdNetlinkLayout() {
        var r = new NbdNetlink.ConnectRequest(OptionalInt.empty(), 1L << 30, 4096, 0x10d, List.of(9), 30, 5,
                NbdNetlink.CFLAG_DISCONNECT_ON_CLOSE);

        String expected = u64(2, 1L << 30) + u64(3, 4096) + u64(5, 0x10d) + u64(4, 30) + u64(8, 5) + u64(6, 2)
                // NBD_ATTR_SOCKETS (7|NESTED) holding NBD_SOCK_ITEM (1|NESTED) holding NBD_SOCK_FD (1) = 9
                + "1000" + "0780" + "0c00" + "0180" + "0800" + "0100" + "09000000";
        assertEquals(expected, HEX.formatHex(bytes(NbdNetlink.connectAttributes(r).bytes())));
    }

    @Test
    void connectAttributes_givenIndex_putsIndexFirst() {
        var r = new NbdNetlink.ConnectRequest(OptionalInt.of(3), 4096, 512, 1, List.of(4, 5), 0, 0, 0);

        ByteBuffer a = NbdNetlink.connectAttributes(r).bytes();
        assertEquals("0800" + "0100" + "03000000", HEX.formatHex(bytes(a)).substring(0, 16));
        var sockets = NetlinkMessages.attributeList(NetlinkMessages.attributes(a).get(NbdNetlink.ATTR_SOCKETS));
        assertEquals(2, sockets.size());
        assertEquals(5, NetlinkMessages.u32(NetlinkMessages.attributes(sockets.get(1).payload()).get(NbdNetlink.SOCK_FD)));
    }

    @Test
    void parse_replyThenAck_givesIndexAttributeAndAcknowledgement() {
        // A family message (type 0x1b, seq 9, cmd 1) with NBD_ATTR_INDEX = 2, then NLMSG_ERROR 0 (the ack).
        ByteBuffer d = le("1c000000" + "1b00" + "0000" + "09000000" + "e8030000" + "01010000" + "0800" + "0100" + "02000000"
                + "24000000" + "0200" + "0000" + "09000000" + "e8030000" + "00000000" + "0".repeat(32));

        var msgs = NetlinkMessages.parse(d);
        assertEquals(2, msgs.size());
        assertEquals(2, NetlinkMessages.u32(msgs.get(0).attributes().get(1)));
        assertEquals(1, msgs.get(0).cmd());
        assertTrue(msgs.get(1).isAck());
    }

    @Test
    void parse_errorMessage_carriesNegativeErrno() {
        ByteBuffer d = le("24000000" + "0200" + "0000" + "05000000" + "00000000" + "f0ffffff" + "0".repeat(32));

        var m = NetlinkMessages.parse(d).getFirst();
        assertTrue(m.isError());
        assertEquals(-Errno.EBUSY, m.error());
    }

    @Test
    void parse_lengthBeyondDatagram_isRefused() {
        ByteBuffer d = le("ff000000" + "1000" + "0000" + "01000000" + "00000000");
        assertThrows(IllegalArgumentException.class, () -> NetlinkMessages.parse(d));
    }

    private static String u64(int type, long v) {
        return HEX.formatHex(ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putShort((short) 12)
                .putShort((short) type).putLong(v).array());
    }

    private static ByteBuffer le(String hex) {
        return ByteBuffer.wrap(HEX.parseHex(hex)).order(ByteOrder.nativeOrder());
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    @Test
    void attributes_stringPayload_padsToFourBytes() {
        ByteBuffer a = new NetlinkMessages.Attributes().string(2, "nlctrl").u32(1, 5).bytes();
        // "nlctrl\0" = 7 bytes + 4 header = 11, padded to 12; then the u32
        assertArrayEquals(HEX.parseHex("0b000200" + "6e6c6374726c0000" + "0800" + "0100" + "05000000"), bytes(a));
    }
}
