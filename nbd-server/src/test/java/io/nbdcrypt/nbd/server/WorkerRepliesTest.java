package io.nbdcrypt.nbd.server;

import static io.nbdcrypt.nbd.testing.RawClient.request;
import static org.junit.jupiter.api.Assertions.*;

import io.nbdcrypt.block.FileBlockDevice;
import io.nbdcrypt.nbd.backend.Export;
import io.nbdcrypt.nbd.backend.ExportRegistry;
import io.nbdcrypt.nbd.testing.LeakCheck;
import io.nbdcrypt.nbd.testing.RawClient;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Large read replies are written by the workers themselves, small ones by the event loop, and a
 * reply whose client stopped reading is finished by the event loop: whichever path a reply
 * takes, every reply must arrive whole and unmixed with another. Judged byte for byte against
 * the file, on the real epoll transport, with a burst of pipelined reads of mixed sizes.
 */
@ExtendWith(LeakCheck.class)
class WorkerRepliesTest {
    private static final int SIZE = 16 << 20;
    /** Large ones go out from the workers, small ones from the event loop. */
    private static final int[] MIXED = {1 << 20, 4096, 256 << 10, 512, 128 << 10};
    private static final int[] LARGE = {1 << 20, 256 << 10, 128 << 10};

    @TempDir Path dir;

    @Test
    void mixedReadBurst_clientFirstStallsThenReads_everyReplyWholeAndBothPathsTaken() throws Exception {
        byte[] content = new byte[SIZE];
        new Random(42).nextBytes(content);
        Path img = dir.resolve("d.img");
        Files.write(img, content);
        Path sock = dir.resolve("s.sock");
        try (NbdServer server = NbdServer.start(
                        ExportRegistry.of(new Export("", "", FileBlockDevice.open(img, true), false, false)),
                        ServerConfig.unix(sock));
                RawClient c = RawClient.connectAndGo(sock)) {
            Random rnd = new Random(7);
            // A client that reads nothing for a while: the socket fills, a worker gives up its
            // reply to the event loop, and everything after it queues there. Large replies only:
            // a small one finished first would put the loop in charge before any worker wrote,
            // and then no worker would stall (which made this check depend on thread timing).
            burst(c, content, rnd, LARGE, 1, 90, 500);
            // A client that reads at once: workers write side by side.
            burst(c, content, rnd, MIXED, 1000, 150, 0);
            // Only large ones, after everything before was read: the channel is idle, so workers write.
            burst(c, content, rnd, LARGE, 2000, 60, 0);
            assertTrue(server.metrics().workerWrites() > 0, "no reply was written by a worker");
            assertTrue(server.metrics().workerHandOvers() > 0, "no stalled reply was handed to the event loop");
        }
    }

    /** Sends {@code n} reads at once, waits {@code stallMillis}, then checks every reply against the file. */
    private static void burst(RawClient c, byte[] content, Random rnd, int[] lengths, long firstCookie, int n,
            long stallMillis)
            throws Exception {
        Map<Long, int[]> asked = new HashMap<>();
        ByteArrayOutputStream requests = new ByteArrayOutputStream();
        for (int i = 0; i < n; i++) {
            int length = lengths[i % lengths.length];
            int offset = rnd.nextInt((SIZE - length) / 512) * 512;
            long cookie = firstCookie + i;
            asked.put(cookie, new int[] {offset, length});
            requests.write(request(0, RawClient.READ, cookie, offset, length));
        }
        c.send(requests.toByteArray());
        Thread.sleep(stallMillis);
        for (int i = 0; i < n; i++) {
            ByteBuffer h = ByteBuffer.wrap(c.readN(16));
            assertEquals(0x67446698, h.getInt(), "reply " + i + ": not at a reply header (replies mixed?)");
            assertEquals(0, h.getInt(), "reply " + i + ": error");
            int[] r = asked.remove(h.getLong());
            assertNotNull(r, "reply " + i + ": a cookie never asked, or answered twice");
            byte[] data = c.readN(r[1]);
            assertArrayEquals(Arrays.copyOfRange(content, r[0], r[0] + r[1]), data,
                    "data of the read at " + r[0] + " (+" + r[1] + ")");
        }
        assertTrue(asked.isEmpty(), "unanswered: " + asked.keySet());
    }
}
