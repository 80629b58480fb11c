package io.nbdcrypt.nbd.handshake;

import static io.nbdcrypt.nbd.testing.Hex.bytes;
import static org.junit.jupiter.api.Assertions.*;

import io.nbdcrypt.block.FileBlockDevice;
import io.nbdcrypt.nbd.backend.Export;
import io.nbdcrypt.nbd.backend.ExportRegistry;
import io.nbdcrypt.nbd.codec.HandshakeDecoder;
import io.nbdcrypt.nbd.codec.HandshakeEncoder;
import io.nbdcrypt.nbd.testing.Hex;
import io.nbdcrypt.nbd.testing.LeakCheck;
import io.nbdcrypt.nbd.transmission.MetaContext;
import io.nbdcrypt.nbd.transmission.NbdMetrics;
import io.nbdcrypt.nbd.transmission.Negotiated;
import io.nbdcrypt.testsupport.TestFiles;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Negotiation against byte fixtures written from proto.md: every expected reply below is
 * spelled out in hex (magic 0003e889045565a9, option, reply type, length, data).
 */
@ExtendWith(LeakCheck.class)
class HandshakeHandlerTest {
    private static final String GREETING = "4e42444d41474943 49484156454f5054 0003";
    private static final String OPT = "49484156454f5054";
    private static final String REP = "0003e889045565a9";
    // Export "disk": 1 MiB; flags HAS_FLAGS|SEND_FLUSH|SEND_FUA|SEND_WRITE_ZEROES|CAN_MULTI_CONN = 0x014d.
    private static final String INFO_EXPORT = "0000 0000000000100000 014d";

    @TempDir Path dir;
    private ExportRegistry registry;
    private final List<String> started = new ArrayList<>();
    private EmbeddedChannel ch;

    @BeforeEach
    void setUp() throws IOException {
        Path img = dir.resolve("disk.img");
        TestFiles.sparse(img, 1 << 20);
        registry = ExportRegistry.of(new Export("disk", "test disk", FileBlockDevice.open(img, false), false, false));
        ch = new EmbeddedChannel(new HandshakeDecoder(1024), new HandshakeEncoder(),
                new HandshakeHandler(registry, 32 << 20, java.time.Duration.ofSeconds(60), new NbdMetrics(),
                        (ctx, export, negotiated) -> started.add(export.name()
                                + (negotiated.structuredReplies() ? "+structured" : ""))));
        assertEquals(GREETING.replace(" ", ""), out());
    }

    @AfterEach
    void tearDown() throws IOException {
        ch.finishAndReleaseAll();
        registry.close();
    }

    private void in(String hex) {
        ch.writeInbound(Unpooled.wrappedBuffer(bytes(hex)));
    }

    private String out() {
        StringBuilder sb = new StringBuilder();
        ByteBuf b;
        while ((b = ch.readOutbound()) != null) {
            sb.append(Hex.drain(b));
        }
        return sb.toString();
    }

    private static String hex(String s) {
        return s.replace(" ", "");
    }

    @Test
    void go_withInfoRequests_repliesInfosAckAndStartsTransmission() {
        // GO "disk", asking NAME(1), DESCRIPTION(2), BLOCK_SIZE(3), and unknown 0x99.
        in("00000003" + OPT + "00000007 00000012 00000004 6469736b 0004 0001 0002 0003 0099");
        String expected = REP + "00000007 00000003 0000000c" + INFO_EXPORT
                + REP + "00000007 00000003 00000006 0001 6469736b"
                + REP + "00000007 00000003 0000000b 0002 74657374206469736b"
                + REP + "00000007 00000003 0000000e 0003 00000001 00001000 02000000"
                + REP + "00000007 00000001 00000000";
        assertEquals(hex(expected), out());
        assertEquals(List.of("disk"), started);
    }

    @Test
    void go_whileRepliesPileUpUnread_transmissionStillReads() {
        // The client has not read our replies: the channel is not writable, so the handshake
        // pauses reading after answering. Entering transmission must resume it, or the
        // connection stalls for good.
        ch.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
        in("00000003" + OPT + "00000007 0000000a 00000004 6469736b 0000");
        assertEquals(List.of("disk"), started);
        assertTrue(ch.config().isAutoRead(), "reading stays paused after GO");
    }

    @Test
    void info_emptyNameIsDefaultExport_doesNotStartTransmission() {
        in("00000003" + OPT + "00000006 00000006 00000000 0000");
        assertEquals(hex(REP + "00000006 00000003 0000000c" + INFO_EXPORT + REP + "00000006 00000001 00000000"), out());
        assertEquals(List.of(), started);
        assertTrue(ch.isActive());
    }

    @Test
    void go_unknownExport_errUnknownAndSessionContinues() {
        in("00000003" + OPT + "00000007 00000008 00000002 6e6f 0000");
        String reply = out();
        assertTrue(reply.startsWith(hex(REP + "00000007 80000006")), reply);
        in(OPT + "00000003 00000000");   // LIST still works
        assertTrue(out().startsWith(hex(REP + "00000003 00000002 00000011 00000004 6469736b 74657374206469736b")));
    }

    @Test
    void go_lengthsInconsistent_errInvalid() {
        in("00000003" + OPT + "00000007 00000008 00000009 6469736b 0000");
        assertTrue(out().startsWith(hex(REP + "00000007 80000003")));
        assertTrue(ch.isActive());
    }

    @Test
    void unknownOptionsAndStarttls_refusedAndSessionContinues() {
        in("00000003" + OPT + "0000abcd 00000002 0102");
        assertTrue(out().startsWith(hex(REP + "0000abcd 80000001")));
        in(OPT + "00000005 00000000");
        assertTrue(out().startsWith(hex(REP + "00000005 80000002")));
        in(OPT + "0000000a 00000000");  // SET_META_CONTEXT before STRUCTURED_REPLY: invalid (proto.md)
        assertTrue(out().startsWith(hex(REP + "0000000a 80000003")));
        in(OPT + "00000008 00000000");  // STRUCTURED_REPLY
        assertEquals(hex(REP + "00000008 00000001 00000000"), out());
        in(OPT + "00000007 00000006 00000000 0000");
        out();
        assertEquals(List.of("disk+structured"), started);
    }

    @Test
    void optionTooLarge_errTooBigAndSessionContinues() {
        in("00000003" + OPT + "00000007 00000800" + "00".repeat(0x800));
        assertTrue(out().startsWith(hex(REP + "00000007 80000009")));
        in(OPT + "00000007 00000006 00000000 0000");
        assertTrue(out().endsWith(hex(REP + "00000007 00000001 00000000")));
    }

    @Test
    void exportName_withNoZeroes_shortReply() {
        in("00000003" + OPT + "00000001 00000004 6469736b");
        assertEquals(hex("0000000000100000 014d"), out());
        assertEquals(List.of("disk"), started);
    }

    @Test
    void exportName_withoutNoZeroes_paddedWith124Zeroes() {
        in("00000001" + OPT + "00000001 00000000");
        assertEquals(hex("0000000000100000 014d") + "00".repeat(124), out());
    }

    @Test
    void exportName_unknown_closes() {
        in("00000003" + OPT + "00000001 00000001 78");
        assertEquals("", out());
        assertFalse(ch.isActive());
        assertEquals(List.of(), started);
    }

    @Test
    void abort_acksAndCloses() {
        in("00000003" + OPT + "00000002 00000000");
        assertEquals(hex(REP + "00000002 00000001 00000000"), out());
        assertFalse(ch.isActive());
    }

    @Test
    void clientFlags_unknownBitsOrNotFixedNewstyle_closes() {
        in("00000007");
        assertFalse(ch.isActive());
    }

    @Test
    void clientFlags_notFixedNewstyle_closes() {
        in("00000000");
        assertFalse(ch.isActive());
    }

    @Test
    void badOptionMagic_closes() {
        in("00000003 4e42444d41474943 00000007 00000000");
        assertFalse(ch.isActive());
    }

    /** A fresh handshake with a 5 s idle limit and a 60 s deadline, on a frozen clock. */
    private EmbeddedChannel withIdleLimit(NbdMetrics metrics) {
        EmbeddedChannel c = new EmbeddedChannel(new HandshakeDecoder(1024), new HandshakeEncoder(),
                new HandshakeHandler(registry, 32 << 20, new HandshakeLimits(Duration.ofSeconds(5), Duration.ofSeconds(60)),
                        metrics, new ConnectionLog(java.util.logging.Logger.getLogger("test")), (ctx, e, n) -> {}));
        c.freezeTime();
        return c;
    }

    /**
     * The idle limit counts from the last bytes received, even bytes too few to decode: a client
     * that stops halfway through an option header is cut once it has been silent that long,
     * long before the deadline, and counted as a handshake timeout.
     */
    @Test
    void idleLimit_clientStopsMidOptionHeader_cutAfterTheIdleLimitNotTheDeadline() {
        NbdMetrics metrics = new NbdMetrics();
        EmbeddedChannel c = withIdleLimit(metrics);
        try {
            c.writeInbound(Unpooled.wrappedBuffer(bytes("00000003 4948415645")));   // flags, 5 bytes of IHAVEOPT
            c.advanceTimeBy(4, TimeUnit.SECONDS);
            c.runScheduledPendingTasks();
            assertTrue(c.isActive());
            c.writeInbound(Unpooled.wrappedBuffer(bytes("4f")));   // one more byte: the silence starts over
            c.advanceTimeBy(4, TimeUnit.SECONDS);
            c.runScheduledPendingTasks();
            assertTrue(c.isActive(), "cut although it sent a byte 4 s ago");
            c.advanceTimeBy(2, TimeUnit.SECONDS);
            c.runScheduledPendingTasks();
            assertFalse(c.isActive(), "a client silent for 6 s mid-header still holds its connection");
            assertEquals(1, metrics.handshakeTimeouts());
        } finally {
            c.finishAndReleaseAll();
        }
    }

    /** Once in transmission no handshake timer may fire: an established client idles as long as it likes. */
    @Test
    void idleLimit_afterGo_connectionIsNeverCut() {
        NbdMetrics metrics = new NbdMetrics();
        EmbeddedChannel c = withIdleLimit(metrics);
        try {
            c.writeInbound(Unpooled.wrappedBuffer(bytes("00000003" + OPT + "00000007 00000006 00000000 0000")));
            c.advanceTimeBy(3600, TimeUnit.SECONDS);
            c.runScheduledPendingTasks();
            assertTrue(c.isActive());
            assertEquals(0, metrics.handshakeTimeouts());
        } finally {
            c.finishAndReleaseAll();
        }
    }

    // base:allocation as it goes on the wire: "base:allocation" is 15 bytes, 626173653a616c6c6f636174696f6e.
    private static final String BASE_ALLOCATION = "0000000f 626173653a616c6c6f636174696f6e";

    private void structured() {
        in("00000003" + OPT + "00000008 00000000");
        assertEquals(hex(REP + "00000008 00000001 00000000"), out());
    }

    @Test
    void listMetaContext_noQueriesOrBaseWildcard_listsBaseAllocationWithIdZero() {
        structured();
        in(OPT + "00000009 0000000c 00000004 6469736b 00000000");   // export "disk", no queries
        String listed = REP + "00000009 00000004 00000013 00000000 626173653a616c6c6f636174696f6e";
        assertEquals(hex(listed + REP + "00000009 00000001 00000000"), out());
        in(OPT + "00000009 00000011 00000000 00000001 00000005 626173653a");   // export "", query "base:"
        assertEquals(hex(listed + REP + "00000009 00000001 00000000"), out());
        in(OPT + "00000009 00000014 00000000 00000001 00000008 782d666f6f3a6261");   // "x-foo:ba": another namespace
        assertEquals(hex(REP + "00000009 00000001 00000000"), out());
    }

    @Test
    void setMetaContext_baseAllocation_selectedWithItsIdAndCarriedIntoTransmission() {
        List<Negotiated> negotiated = new ArrayList<>();
        EmbeddedChannel c = new EmbeddedChannel(new HandshakeDecoder(1024), new HandshakeEncoder(),
                new HandshakeHandler(registry, 32 << 20, java.time.Duration.ofSeconds(60), new NbdMetrics(),
                        (ctx, e, n) -> negotiated.add(n)));
        try {
            io.netty.util.ReferenceCountUtil.release(c.readOutbound()); // greeting
            c.writeInbound(Unpooled.wrappedBuffer(bytes("00000003" + OPT + "00000008 00000000"
                    + OPT + "0000000a 00000028 00000004 6469736b 00000002 00000005 626173653a " + BASE_ALLOCATION
                    + OPT + "00000007 0000000a 00000004 6469736b 0000")));
            StringBuilder sb = new StringBuilder();
            ByteBuf b;
            while ((b = c.readOutbound()) != null) {
                sb.append(Hex.drain(b));
            }
            // "base:" is ignored when setting; base:allocation gets id 1.
            assertTrue(sb.toString().contains(hex(REP + "0000000a 00000004 00000013 00000001 626173653a616c6c6f636174696f6e"
                    + REP + "0000000a 00000001 00000000")), sb.toString());
            assertEquals(List.of(new Negotiated(true, java.util.Set.of(MetaContext.BASE_ALLOCATION))), negotiated);
        } finally {
            c.finishAndReleaseAll();
        }
    }

    /** proto.md: contexts apply only if GO names the export SET_META_CONTEXT named; a later SET replaces them. */
    @Test
    void setMetaContext_thenGoToAnotherExportOrEmptySet_noContextsInTransmission() throws IOException {
        Path other = TestFiles.sparse(dir.resolve("other.img"), 1 << 20);
        ExportRegistry two = new ExportRegistry(List.of(
                new Export("disk", "", FileBlockDevice.open(dir.resolve("disk.img"), false), false, false),
                new Export("other", "", FileBlockDevice.open(other, false), false, false)), List.of());
        List<Negotiated> negotiated = new ArrayList<>();
        String setDisk = OPT + "0000000a 0000001f 00000004 6469736b 00000001 " + BASE_ALLOCATION;
        String goOther = OPT + "00000007 0000000b 00000005 6f74686572 0000";
        String goDisk = OPT + "00000007 0000000a 00000004 6469736b 0000";
        String setNothing = OPT + "0000000a 0000000c 00000004 6469736b 00000000";
        for (String options : List.of(setDisk + goOther, setDisk + setNothing + goDisk)) {
            EmbeddedChannel c = new EmbeddedChannel(new HandshakeDecoder(1024), new HandshakeEncoder(),
                    new HandshakeHandler(two, 32 << 20, java.time.Duration.ofSeconds(60), new NbdMetrics(),
                            (ctx, e, n) -> negotiated.add(n)));
            c.writeInbound(Unpooled.wrappedBuffer(bytes("00000003" + OPT + "00000008 00000000" + options)));
            c.finishAndReleaseAll();
        }
        two.close();
        assertEquals(List.of(Negotiated.replies(true), Negotiated.replies(true)), negotiated);
    }

    @Test
    void metaContextOptions_malformed_errInvalidOrUnknownAndSessionContinues() {
        structured();
        in(OPT + "0000000a 0000000c 00000004 6469736b 00000005");   // 5 queries announced, none sent
        assertTrue(out().startsWith(hex(REP + "0000000a 80000003")));
        in(OPT + "00000009 00000013 00000004 6469736b 00000001 00000003 666f6f");   // query "foo": no namespace
        assertTrue(out().startsWith(hex(REP + "00000009 80000003")));
        in(OPT + "00000009 0000000a 00000002 6e6f 00000000");   // export "no"
        assertTrue(out().startsWith(hex(REP + "00000009 80000006")));
        in(OPT + "00000007 00000006 00000000 0000");
        assertTrue(out().endsWith(hex(REP + "00000007 00000001 00000000")));
        assertEquals(List.of("disk+structured"), started);
    }

    @Test
    void structuredReply_withData_errInvalid() {
        in("00000003" + OPT + "00000008 00000001 00");
        assertTrue(out().startsWith(hex(REP + "00000008 80000003")));
    }
}
