package io.nbdcrypt.nbd.codec;

import static io.nbdcrypt.nbd.testing.Hex.bytes;
import static org.junit.jupiter.api.Assertions.*;

import io.nbdcrypt.nbd.testing.Hex;
import io.nbdcrypt.nbd.testing.LeakCheck;
import io.nbdcrypt.nbd.wire.CommandFlag;
import io.nbdcrypt.nbd.wire.CommandFlags;
import io.nbdcrypt.nbd.wire.CommandType;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LeakCheck.class)
class RequestDecoderTest {
    // magic, flags, type, cookie, offset, length (proto.md "Request message").
    private static final String READ = "25609513 0000 0000 0102030405060708 0000000000001000 00000200";
    private static final String WRITE_FUA_4 = "25609513 0001 0001 00000000000000aa 0000000000000003 00000004";

    @Test
    void decode_readRequest_fieldsMatchTheFixture() {
        EmbeddedChannel ch = new EmbeddedChannel(new RequestDecoder(1 << 20));
        ch.writeInbound(Unpooled.wrappedBuffer(bytes(READ)));
        NbdRequest r = ch.readInbound();
        assertEquals(new NbdRequest(CommandFlags.NONE, CommandType.READ, 0x0102030405060708L, 4096, 512, null, false), r);
        assertFalse(ch.finish());
    }

    /** Heap payloads for devices that encrypt in place, direct ones otherwise; the same bytes either way. */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void decode_writeWithPayloadInPieces_carriesThePayload(boolean heapPayloads) {
        EmbeddedChannel ch = new EmbeddedChannel(new RequestDecoder(1 << 20, heapPayloads));
        ch.writeInbound(Unpooled.wrappedBuffer(bytes(WRITE_FUA_4 + "dead")));
        assertNull(ch.readInbound());
        ch.writeInbound(Unpooled.wrappedBuffer(bytes("beef" + READ)));
        NbdRequest w = ch.readInbound();
        assertEquals(CommandFlags.of(CommandFlag.FUA), w.flags());
        assertEquals(CommandType.WRITE, w.type());
        assertEquals(0xaa, w.cookie());
        assertEquals(3, w.offset());
        assertEquals(heapPayloads, w.payload().hasArray(), "heap payload");
        assertEquals(!heapPayloads, w.payload().isDirect(), "direct payload");
        assertEquals("deadbeef", Hex.drain(w.payload()));
        NbdRequest r = ch.readInbound();
        assertEquals(CommandType.READ, r.type());
        assertFalse(ch.finish());
    }

    @Test
    void decode_writeAboveMaximum_isFlaggedAndPayloadSkipped() {
        EmbeddedChannel ch = new EmbeddedChannel(new RequestDecoder(2));
        ch.writeInbound(Unpooled.wrappedBuffer(bytes(WRITE_FUA_4 + "0102")));
        NbdRequest w = ch.readInbound();
        assertTrue(w.payloadDropped());
        assertNull(w.payload());
        ch.writeInbound(Unpooled.wrappedBuffer(bytes("0304" + READ)));
        NbdRequest r = ch.readInbound();
        assertEquals(0x0102030405060708L, r.cookie());
        assertFalse(ch.finish());
    }

    @Test
    void decode_offsetAbove2To63_keptAsUnsignedBits() {
        EmbeddedChannel ch = new EmbeddedChannel(new RequestDecoder(1 << 20));
        ch.writeInbound(Unpooled.wrappedBuffer(bytes("25609513 0000 0000 0000000000000001 ffffffffffffff00 ffffffff")));
        NbdRequest r = ch.readInbound();
        assertEquals(0xffffffffffffff00L, r.offset());
        assertEquals(0xffffffffL, r.length());
        assertFalse(ch.finish());
    }

    /** A type the spec does not define is still framed (no payload) and arrives as a value to refuse. */
    @Test
    void decode_unknownType_isAnUnknownCommandAndTheStreamStaysFramed() {
        EmbeddedChannel ch = new EmbeddedChannel(new RequestDecoder(1 << 20));
        ch.writeInbound(Unpooled.wrappedBuffer(bytes("25609513 8001 0063 0000000000000009 0000000000000200 00001000"
                + READ)));
        assertEquals(new UnknownCommand(new CommandFlags(0x8001), 0x63, 9, 512, 4096), ch.readInbound());
        NbdRequest r = ch.readInbound();
        assertEquals(CommandType.READ, r.type());
        assertFalse(ch.finish());
    }

    @Test
    void decode_badMagic_reportedOnceThenInputDiscarded() {
        EmbeddedChannel ch = new EmbeddedChannel(new RequestDecoder(1 << 20));
        ch.writeInbound(Unpooled.wrappedBuffer(bytes("67446698" + READ.substring(8) + READ)));
        assertEquals(new BadRequestMagic(0x67446698), ch.readInbound());
        assertNull(ch.readInbound());
        assertFalse(ch.finish());
    }
}
