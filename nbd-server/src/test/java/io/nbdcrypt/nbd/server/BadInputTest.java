package io.nbdcrypt.nbd.server;

import static io.nbdcrypt.nbd.testing.RawClient.request;
import static org.junit.jupiter.api.Assertions.*;

import io.nbdcrypt.nbd.testing.LeakCheck;
import io.nbdcrypt.nbd.testing.RawClient;
import io.nbdcrypt.nbd.testing.ServedImage;
import io.nbdcrypt.nbd.testing.ServedImage.Kind;
import io.nbdcrypt.nbd.transmission.FlowLimits;
import io.nbdcrypt.testsupport.Await;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Malformed and hostile clients on raw sockets. Around each case a well-behaved client writes
 * data first and, afterwards, on the same connection, must read it back intact and still be
 * served; a fresh connection must work too.
 */
@ExtendWith(LeakCheck.class)
class BadInputTest {
    private static final long SIZE = 64L << 20;
    private static final int MAX_PAYLOAD = 1 << 20;
    private static final FlowLimits LIMITS = new FlowLimits(MAX_PAYLOAD, 16, 8L << 20, 4L << 20);
    private static final int MAX_CONNECTIONS = 8;
    private static final int EINVAL = 22;
    private static final int ENOSPC = 28;

    @TempDir Path dir;
    private ServedImage served;
    private RawClient good;
    private final byte[] goodData = new byte[65536];

    @BeforeEach
    void startServerAndGoodClient() throws IOException {
        served = ServedImage.start(dir, Kind.ENCRYPTED, SIZE, false, false,
                c -> c.withLimits(LIMITS).withMaxConnections(MAX_CONNECTIONS)
                        .withHandshakeTimeout(java.time.Duration.ofSeconds(2)));
        good = RawClient.connectAndGo(served.socket);
        new Random(42).nextBytes(goodData);
        assertEquals(0, good.write(1, 1 << 20, goodData).error());
    }

    @AfterEach
    void goodClientUnharmed() throws IOException {
        try {
            RawClient.Reply r = good.read(2, 1 << 20, goodData.length);
            assertEquals(0, r.error());
            assertArrayEquals(goodData, r.data(), "the well-behaved client's data changed");
            byte[] more = new byte[777];
            new Random(7).nextBytes(more);
            assertEquals(0, good.write(3, 5 << 20, more).error());
            try (RawClient fresh = RawClient.connectAndGo(served.socket)) {
                assertArrayEquals(more, fresh.read(4, 5 << 20, more.length).data());
            }
            good.close();
        } finally {
            served.close();
        }
    }

    @Test
    void garbageHandshake_connectionClosed() throws Exception {
        try (RawClient c = RawClient.connect(served.socket)) {
            c.readGreeting();
            byte[] junk = new byte[4096];
            new Random(1).nextBytes(junk);
            junk[0] = 0; junk[1] = 0; junk[2] = 0; junk[3] = 3;   // valid flags, then garbage options
            c.send(junk);
            assertTrue(c.closedByServer());
        }
        assertTrue(served.server.metrics().protocolErrors() >= 1);
    }

    @Test
    void badClientFlags_connectionClosed() throws Exception {
        try (RawClient c = RawClient.connect(served.socket)) {
            c.readGreeting();
            c.send(ByteBuffer.allocate(4).putInt(0xffff).array());
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void truncatedHandshake_clientLeaves_serverForgetsIt() throws Exception {
        int before = served.server.connectionCount();
        try (RawClient c = RawClient.connect(served.socket)) {
            c.readGreeting();
            c.send(new byte[] {0, 0, 0, 3, 0x49, 0x48, 0x41});   // flags + 3 bytes of IHAVEOPT
        }
        Await.until(() -> served.server.connectionCount() == before, Duration.ofSeconds(60),
                "the abandoned connection to be dropped");
    }

    @Test
    void slowHandshake_tricklingBytes_droppedAtTheDeadline() throws Exception {
        try (RawClient c = RawClient.connect(served.socket)) {
            c.readGreeting();
            c.send(new byte[] {0, 0, 0, 3});
            // A well-formed option (NBD_OPT_INFO announcing 1000 bytes of data) sent one byte every
            // 300 ms: never idle, never invalid, never finished. Only the deadline can end it.
            byte[] header = ByteBuffer.allocate(16 + 24).putLong(0x49484156454f5054L).putInt(6).putInt(1000).array();
            boolean dropped = false;
            for (int i = 0; i < header.length && !dropped; i++) {
                try {
                    c.send(new byte[] {header[i]});
                    Thread.sleep(300);
                } catch (IOException closed) {
                    dropped = true;
                }
            }
            assertTrue(dropped || c.closedByServer(), "a dawdling client keeps its connection slot");
        }
        assertTrue(served.server.metrics().protocolErrors() >= 1);
    }

    @Test
    void unknownOption_errUnsupThenGoStillWorks() throws Exception {
        try (RawClient c = RawClient.connect(served.socket)) {
            c.readGreeting();
            c.send(ByteBuffer.allocate(4 + 20).putInt(3).putLong(0x49484156454f5054L).putInt(0x4242).putInt(4)
                    .putInt(0xdeadbeef).array());
            ByteBuffer h = ByteBuffer.wrap(c.readN(20));
            h.getLong();
            assertEquals(0x4242, h.getInt());
            assertEquals(0x80000001, h.getInt());   // NBD_REP_ERR_UNSUP
            c.readN(h.getInt());
            // Same connection: negotiate GO and use it.
            c.send(ByteBuffer.allocate(22).putLong(0x49484156454f5054L).putInt(7).putInt(6).putInt(0)
                    .putShort((short) 0).array());
            int type;
            do {
                ByteBuffer r = ByteBuffer.wrap(c.readN(20));
                r.getLong();
                r.getInt();
                type = r.getInt();
                c.readN(r.getInt());
            } while (type != 1);
            assertArrayEquals(goodData, c.read(9, 1 << 20, goodData.length).data());
        }
    }

    @Test
    void unknownCommand_einvalAndConnectionContinues() throws Exception {
        try (RawClient c = RawClient.connectAndGo(served.socket)) {
            c.send(request(0, 0x55, 77, 0, 512));
            RawClient.Reply r = c.readSimpleReply(0);
            assertEquals(EINVAL, r.error());
            assertEquals(77, r.cookie());
            c.send(request(0, 5, 78, 0, 512));   // NBD_CMD_CACHE: not advertised
            assertEquals(EINVAL, c.readSimpleReply(0).error());
            assertEquals(0, c.read(79, 0, 512).error());
        }
    }

    @Test
    void unknownFlags_einval() throws Exception {
        try (RawClient c = RawClient.connectAndGo(served.socket)) {
            c.send(request(0x8000, RawClient.READ, 1, 0, 512));
            assertEquals(EINVAL, c.readSimpleReply(0).error());
            c.send(request(0, RawClient.FLUSH, 2, 5, 0));   // FLUSH with non-zero offset
            assertEquals(EINVAL, c.readSimpleReply(0).error());
        }
    }

    @Test
    void readAndWritePastEnd_einvalAndEnospc_payloadConsumed() throws Exception {
        try (RawClient c = RawClient.connectAndGo(served.socket)) {
            c.send(request(0, RawClient.READ, 1, SIZE - 100, 4096));
            assertEquals(EINVAL, c.readSimpleReply(0).error());
            c.send(request(0, RawClient.READ, 2, -4096L, 4096));   // offset 2^64 - 4096
            assertEquals(EINVAL, c.readSimpleReply(0).error());
            RawClient.Reply w = c.write(3, SIZE - 100, new byte[4096]);
            assertEquals(ENOSPC, w.error());
            assertEquals(3, w.cookie());
            // The 4096 payload bytes were consumed, not taken for the next header.
            assertEquals(0, c.read(4, 0, 512).error());
        }
    }

    /** EINVAL, not EOVERFLOW: proto.md reserves EOVERFLOW for READ with DF and for payload-less commands. */
    @Test
    void lengthAboveMaximum_einval_writePayloadSkipped() throws Exception {
        try (RawClient c = RawClient.connectAndGo(served.socket)) {
            c.send(request(0, RawClient.READ, 1, 0, MAX_PAYLOAD + 1));
            assertEquals(EINVAL, c.readSimpleReply(0).error());
            c.send(request(0, RawClient.READ, 2, 0, 0xffffffffL));
            assertEquals(EINVAL, c.readSimpleReply(0).error());
            byte[] big = new byte[3 * MAX_PAYLOAD];
            RawClient.Reply w = c.write(3, 0, big);
            assertEquals(EINVAL, w.error());
            assertEquals(0, c.read(4, 1 << 20, 16).error());
        }
        assertTrue(served.server.metrics().maxOutstandingBytes() <= LIMITS.highWaterBytes() + MAX_PAYLOAD);
    }

    @Test
    void badRequestMagic_inFlightAnsweredThenClosed() throws Exception {
        try (RawClient c = RawClient.connectAndGo(served.socket)) {
            byte[] bad = request(0, RawClient.READ, 2, 0, 512);
            bad[0] = 0x12;
            ByteBuffer both = ByteBuffer.allocate(56).put(request(0, RawClient.READ, 1, 1 << 20, 16)).put(bad);
            c.send(both.array());
            RawClient.Reply r = c.readSimpleReply(16);
            assertEquals(0, r.error());
            assertEquals(1, r.cookie());
            assertTrue(c.closedByServer());
        }
        assertTrue(served.server.metrics().protocolErrors() >= 1);
    }

    @Test
    void disconnectMidRequest_partialWriteAndUnreadReplies_cleanedUp() throws Exception {
        int before = served.server.connectionCount();
        try (RawClient c = RawClient.connectAndGo(served.socket)) {
            // A write whose payload never fully arrives: nothing of it may reach the device.
            c.send(request(0, RawClient.WRITE, 1, 1 << 20, 65536));
            c.send(new byte[1000]);
        }
        try (RawClient c = RawClient.connectAndGo(served.socket)) {
            for (int i = 0; i < 50; i++) {
                c.send(request(0, RawClient.READ, i, 0, 65536));
            }
        }
        Await.until(() -> served.server.connectionCount() == before, Duration.ofSeconds(60),
                "both connections to be dropped");
    }

    @Test
    void clientNeverReadsReplies_serverStopsReadingWithBoundedMemory() throws Exception {
        RawClient hog = RawClient.connectAndGo(served.socket);
        long pausesBefore = served.server.metrics().readPauses();
        // Pipeline 1 MiB reads without ever reading a reply: 2 GiB of replies if served blindly.
        Thread sender = Thread.ofPlatform().daemon().start(() -> {
            try {
                for (int i = 0; i < 2048; i++) {
                    hog.send(request(0, RawClient.READ, i, (long) (i % 60) << 20, MAX_PAYLOAD));
                }
            } catch (IOException expectedWhenClosed) {
                // the test closes the socket while this thread is blocked in write
            }
        });
        Await.until(() -> served.server.metrics().readPauses() > pausesBefore, Duration.ofSeconds(60),
                "the server to stop reading the hog");
        // While the hog is stalled, the others are served (checked in @AfterEach too).
        assertArrayEquals(goodData, good.read(10, 1 << 20, goodData.length).data());
        assertTrue(sender.isAlive(), "the hog's sends must block once the server stops reading");
        assertTrue(served.server.metrics().maxOutstandingBytes() <= LIMITS.highWaterBytes() + MAX_PAYLOAD,
                "held " + served.server.metrics().maxOutstandingBytes() + " bytes");
        hog.close();
        sender.join(TimeUnit.SECONDS.toMillis(60));
        assertFalse(sender.isAlive());
    }

    @Test
    void manyConnectionsAtOnce_extraRefused_allowedOnesServed() throws Exception {
        List<RawClient> clients = new ArrayList<>();
        try {
            // The good client holds one slot; open far more than the limit.
            for (int i = 0; i < 4 * MAX_CONNECTIONS; i++) {
                clients.add(RawClient.connect(served.socket));
            }
            int served_ = 0;
            for (RawClient c : clients) {
                try {
                    c.readGreeting();
                    served_++;
                } catch (IOException refused) {
                    // closed at the limit
                }
            }
            assertEquals(MAX_CONNECTIONS - 1, served_);
            assertTrue(served.server.metrics().connectionsRefused() >= 3L * MAX_CONNECTIONS);
        } finally {
            for (RawClient c : clients) {
                c.close();
            }
        }
        Await.until(() -> served.server.connectionCount() == 1, Duration.ofSeconds(60),
                "the extra connections to be dropped");
        // Slots are free again: several full clients in parallel.
        List<RawClient> again = new ArrayList<>();
        try {
            for (int i = 0; i < MAX_CONNECTIONS - 1; i++) {
                again.add(RawClient.connectAndGo(served.socket));
            }
            for (RawClient c : again) {
                assertArrayEquals(goodData, c.read(5, 1 << 20, goodData.length).data());
            }
        } finally {
            for (RawClient c : again) {
                c.close();
            }
        }
    }
}
