package io.nbdcrypt.nbd.codec;

import static org.junit.jupiter.api.Assertions.*;

import io.nbdcrypt.nbd.testing.Hex;
import io.nbdcrypt.nbd.testing.LeakCheck;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LeakCheck.class)
class EncoderTest {

    private static String written(EmbeddedChannel ch) {
        StringBuilder sb = new StringBuilder();
        ByteBuf b;
        while ((b = ch.readOutbound()) != null) {
            sb.append(Hex.drain(b));
        }
        return sb.toString();
    }

    private static ByteBuf data(String s) {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer();
        b.writeCharSequence(s, StandardCharsets.US_ASCII);
        return b;
    }

    @Test
    void greeting_isNbdMagicIhaveoptAndFlags() {
        EmbeddedChannel ch = new EmbeddedChannel(new HandshakeEncoder());
        ch.writeOutbound(new HandshakeReply.ServerGreeting(3));
        assertEquals("4e42444d41474943" + "49484156454f5054" + "0003", written(ch));
    }

    @Test
    void exportNameReply_withAndWithoutZeroes() {
        EmbeddedChannel ch = new EmbeddedChannel(new HandshakeEncoder());
        ch.writeOutbound(new HandshakeReply.ExportNameReply(0x100000, 0x014d, true));
        assertEquals("0000000000100000" + "014d", written(ch));
        ch.writeOutbound(new HandshakeReply.ExportNameReply(0x100000, 0x014d, false));
        assertEquals("0000000000100000" + "014d" + "00".repeat(124), written(ch));
    }

    @Test
    void optionReply_hasMagicOptionTypeLengthData() {
        EmbeddedChannel ch = new EmbeddedChannel(new HandshakeEncoder());
        ch.writeOutbound(new HandshakeReply.OptionReply(7, 0x80000001, new byte[] {'x'}));
        assertEquals("0003e889045565a9" + "00000007" + "80000001" + "00000001" + "78", written(ch));
    }

    @Test
    void simpleReply_withData_headerThenData() {
        EmbeddedChannel ch = new EmbeddedChannel(new ReplyEncoder());
        ch.writeOutbound(new NbdReply.Simple(0x1122334455667788L, 0, data("hi")));
        assertEquals("67446698" + "00000000" + "1122334455667788" + "6869", written(ch));
    }

    @Test
    void simpleReply_error_hasNoData() {
        EmbeddedChannel ch = new EmbeddedChannel(new ReplyEncoder());
        ch.writeOutbound(new NbdReply.Simple(5, 28, null));
        assertEquals("67446698" + "0000001c" + "0000000000000005", written(ch));
    }

    @Test
    void structuredChunks_offsetDataErrorAndNone() {
        EmbeddedChannel ch = new EmbeddedChannel(new ReplyEncoder());
        ch.writeOutbound(new NbdReply.OffsetData(1, 0x200, data("ab"), true));
        assertEquals("668e33ef" + "0001" + "0001" + "0000000000000001" + "0000000a" + "0000000000000200" + "6162",
                written(ch));
        ch.writeOutbound(new NbdReply.Error(2, 22, "no"));
        assertEquals("668e33ef" + "0001" + "8001" + "0000000000000002" + "00000008" + "00000016" + "0002" + "6e6f",
                written(ch));
        ch.writeOutbound(new NbdReply.Done(3));
        assertEquals("668e33ef" + "0001" + "0000" + "0000000000000003" + "00000000", written(ch));
    }

    /** proto.md NBD_REPLY_TYPE_BLOCK_STATUS (5): context id, then (length, flags) per descriptor. */
    @Test
    void blockStatusChunk_contextIdThenDescriptors() {
        EmbeddedChannel ch = new EmbeddedChannel(new ReplyEncoder());
        ch.writeOutbound(new NbdReply.BlockStatus(9, 1, java.util.List.of(new NbdReply.Descriptor(0x1000, 3),
                new NbdReply.Descriptor(0xffffffffL, 0))));
        assertEquals("668e33ef" + "0001" + "0005" + "0000000000000009" + "00000014" + "00000001"
                + "00001000" + "00000003" + "ffffffff" + "00000000", written(ch));
    }

    @Test
    void replyWithData_writtenToClosedChannel_isReleased() {
        EmbeddedChannel ch = new EmbeddedChannel(new ReplyEncoder());
        ch.close();
        ByteBuf d = data("x");
        assertFalse(ch.writeAndFlush(new NbdReply.Simple(1, 0, d)).isSuccess());
        assertEquals(0, d.refCnt());
    }
}
