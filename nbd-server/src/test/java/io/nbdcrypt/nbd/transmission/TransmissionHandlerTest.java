package io.nbdcrypt.nbd.transmission;

import static io.nbdcrypt.nbd.testing.Hex.bytes;
import static org.junit.jupiter.api.Assertions.*;

import io.nbdcrypt.block.FileBlockDevice;
import io.nbdcrypt.nbd.backend.Export;
import io.nbdcrypt.nbd.codec.ReplyEncoder;
import io.nbdcrypt.nbd.codec.RequestDecoder;
import io.nbdcrypt.nbd.testing.Hex;
import io.nbdcrypt.nbd.testing.LeakCheck;
import io.nbdcrypt.testsupport.TestFiles;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The transmission handler on an embedded channel, with a worker pool the test runs by hand,
 * so the order of events is the test's and not the scheduler's. Replies are checked as bytes
 * (proto.md "Simple reply message": magic 67446698, error, cookie).
 */
@ExtendWith(LeakCheck.class)
class TransmissionHandlerTest {
    private static final String SIMPLE = "67446698";
    @TempDir Path dir;
    private final ArrayDeque<Runnable> workers = new ArrayDeque<>();
    private FileBlockDevice device;
    private EmbeddedChannel ch;
    private TransmissionHandler handler;

    @BeforeEach
    void setUp() throws IOException {
        device = FileBlockDevice.open(TestFiles.sparse(dir.resolve("d.img"), 1 << 20), false);
        handler = new TransmissionHandler(new Export("", "", device, false, false), false, workers::add,
                FlowLimits.defaults(), new NbdMetrics());
        ch = new EmbeddedChannel(new RequestDecoder(1 << 20), new ReplyEncoder(), handler);
    }

    @AfterEach
    void tearDown() throws IOException {
        ch.finishAndReleaseAll();
        device.close();
    }

    private static String request(int type, long cookie, long offset, long length) {
        return String.format("25609513 0000 %04x %016x %016x %08x", type, cookie, offset, length);
    }

    private String replies() {
        StringBuilder sb = new StringBuilder();
        ByteBuf b;
        while ((b = ch.readOutbound()) != null) {
            sb.append(Hex.drain(b));
        }
        return sb.toString();
    }

    private void runWorkers() {
        Runnable r;
        while ((r = workers.poll()) != null) {
            r.run();
        }
        ch.runPendingTasks();
    }

    /**
     * proto.md, "Terminating the transmission phase": on a server shutdown, in-flight requests
     * are served, and "any subsequently received requests SHOULD be NBD_ESHUTDOWN".
     */
    @Test
    void shutdown_inFlightRequestServed_laterRequestGetsEshutdown() {
        ch.writeInbound(Unpooled.wrappedBuffer(bytes(request(3, 1, 0, 0))));   // FLUSH, held by the workers
        assertEquals(1, workers.size());
        handler.shutdown();
        ch.writeInbound(Unpooled.wrappedBuffer(bytes(request(0, 2, 0, 512))));   // READ after the shutdown
        ch.runPendingTasks();
        assertEquals(hex(SIMPLE + "0000006c 0000000000000002"), replies());
        assertTrue(ch.isActive(), "closed before the in-flight request was answered");
        runWorkers();
        assertEquals(hex(SIMPLE + "00000000 0000000000000001"), replies());
        assertFalse(ch.isActive());
    }

    /** An unknown command type is answered EINVAL with its cookie, and the next request still runs. */
    @Test
    void unknownCommand_einvalThenNextRequestServed() {
        ch.writeInbound(Unpooled.wrappedBuffer(bytes(request(0x63, 7, 0, 512) + request(3, 8, 0, 0))));
        ch.runPendingTasks();
        assertEquals(hex(SIMPLE + "00000016 0000000000000007"), replies());
        runWorkers();
        assertEquals(hex(SIMPLE + "00000000 0000000000000008"), replies());
    }

    /**
     * Two connections share a budget that holds one 8 KiB read: the second connection's read
     * waits (it is not run, and not refused) until the first one's reply has gone out.
     */
    @Test
    void sharedBudgetFull_secondConnectionWaitsThenRuns() {
        MemoryBudget budget = new MemoryBudget(8192);
        ArrayDeque<Runnable> otherWorkers = new ArrayDeque<>();
        EmbeddedChannel a = new EmbeddedChannel(new RequestDecoder(1 << 20), new ReplyEncoder(),
                new TransmissionHandler(new Export("", "", device, false, false), Negotiated.SIMPLE, workers::add,
                        FlowLimits.defaults(), new NbdMetrics(), c -> null, budget));
        EmbeddedChannel b = new EmbeddedChannel(new RequestDecoder(1 << 20), new ReplyEncoder(),
                new TransmissionHandler(new Export("", "", device, false, false), Negotiated.SIMPLE, otherWorkers::add,
                        FlowLimits.defaults(), new NbdMetrics(), c -> null, budget));
        try {
            a.writeInbound(Unpooled.wrappedBuffer(bytes(request(0, 1, 0, 8192))));
            b.writeInbound(Unpooled.wrappedBuffer(bytes(request(0, 2, 0, 4096))));
            assertEquals(1, workers.size(), "the first read did not start");
            assertEquals(0, otherWorkers.size(), "the second read started although the budget was full");
            assertNull(b.readOutbound(), "the second read was answered instead of waiting");
            workers.poll().run();
            a.runPendingTasks();
            ByteBuf reply = a.readOutbound();
            assertNotNull(reply, "the first read was not answered");
            reply.release();
            ByteBuf data = a.readOutbound();
            if (data != null) {
                data.release();
            }
            b.runPendingTasks();
            assertEquals(1, otherWorkers.size(), "the second read did not start once the budget had room");
            otherWorkers.poll().run();
            b.runPendingTasks();
            ByteBuf second = b.readOutbound();
            assertNotNull(second, "the second read was never answered");
            assertEquals(hex(SIMPLE + "00000000 0000000000000002"), Hex.drain(second));
            assertEquals(4096, drainBytes(b), "the second read's data");
            assertEquals(0, budget.heldBytes(), "the budget was not given back after both replies");
        } finally {
            a.finishAndReleaseAll();
            b.finishAndReleaseAll();
        }
    }

    private static long drainBytes(EmbeddedChannel ch) {
        long n = 0;
        ByteBuf b;
        while ((b = ch.readOutbound()) != null) {
            n += b.readableBytes();
            b.release();
        }
        return n;
    }

    private static String hex(String s) {
        return s.replace(" ", "");
    }
}
