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

    private static String hex(String s) {
        return s.replace(" ", "");
    }
}
