package io.nbdcrypt.nbd.codec;

import static io.nbdcrypt.nbd.testing.Hex.bytes;
import static org.junit.jupiter.api.Assertions.*;

import io.nbdcrypt.nbd.testing.LeakCheck;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LeakCheck.class)
class HandshakeDecoderTest {
    // Client flags FIXED_NEWSTYLE|NO_ZEROES, then NBD_OPT_GO for export "ab" with one info
    // request (NBD_INFO_BLOCK_SIZE), as proto.md lays it out.
    private static final String FLAGS = "00000003";
    private static final String GO = "49484156454f5054 00000007 0000000a" + "00000002 6162 0001 0003";

    private static void feedByteByByte(EmbeddedChannel ch, byte[] data) {
        for (byte b : data) {
            ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
        }
    }

    @Test
    void decode_flagsThenGoSplitIntoSingleBytes_yieldsBothMessages() {
        EmbeddedChannel ch = new EmbeddedChannel(new HandshakeDecoder(1024));
        feedByteByByte(ch, bytes(FLAGS + GO));

        assertEquals(new HandshakeMessage.ClientFlags(3), ch.readInbound());
        HandshakeMessage.OptionRequest go = ch.readInbound();
        assertEquals(7, go.option());
        assertArrayEquals(bytes("00000002 6162 0001 0003"), go.data());
        assertNull(ch.readInbound());
        assertFalse(ch.finish());
    }

    @Test
    void decode_optionDataAboveLimit_skipsItAndDecodesTheNextOption() {
        EmbeddedChannel ch = new EmbeddedChannel(new HandshakeDecoder(8));
        // option 0x1234 with 20 bytes of data, delivered in two pieces, then NBD_OPT_LIST.
        ch.writeInbound(Unpooled.wrappedBuffer(bytes(FLAGS + "49484156454f5054 00001234 00000014 0102030405")));
        ch.writeInbound(Unpooled.wrappedBuffer(bytes("060708090a0b0c0d0e0f1011121314"
                + "49484156454f5054 00000003 00000000")));

        assertEquals(new HandshakeMessage.ClientFlags(3), ch.readInbound());
        assertEquals(new HandshakeMessage.OptionTooLarge(0x1234, 20), ch.readInbound());
        HandshakeMessage.OptionRequest list = ch.readInbound();
        assertEquals(3, list.option());
        assertEquals(0, list.data().length);
        assertFalse(ch.finish());
    }

    @Test
    void decode_badOptionMagic_reportsOnceAndDiscardsTheRest() {
        EmbeddedChannel ch = new EmbeddedChannel(new HandshakeDecoder(1024));
        ch.writeInbound(Unpooled.wrappedBuffer(bytes(FLAGS + "4e42444d41474943 00000007 00000000")));
        ch.writeInbound(Unpooled.wrappedBuffer(bytes(GO)));

        assertEquals(new HandshakeMessage.ClientFlags(3), ch.readInbound());
        assertEquals(new HandshakeMessage.BadOptionMagic(0x4e42444d41474943L), ch.readInbound());
        assertNull(ch.readInbound());
        assertFalse(ch.finish());
    }

    @Test
    void decode_truncatedHeader_waitsForMore() {
        EmbeddedChannel ch = new EmbeddedChannel(new HandshakeDecoder(1024));
        ch.writeInbound(Unpooled.wrappedBuffer(bytes(FLAGS + "49484156454f5054 000000")));
        assertEquals(new HandshakeMessage.ClientFlags(3), ch.readInbound());
        assertNull(ch.readInbound());
        assertFalse(ch.finishAndReleaseAll());
    }
}
