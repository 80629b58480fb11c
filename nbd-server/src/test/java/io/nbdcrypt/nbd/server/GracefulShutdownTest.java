package io.nbdcrypt.nbd.server;

import static io.nbdcrypt.nbd.testing.RawClient.request;
import static org.junit.jupiter.api.Assertions.*;

import io.nbdcrypt.block.FileBlockDevice;
import io.nbdcrypt.nbd.backend.Export;
import io.nbdcrypt.nbd.backend.ExportRegistry;
import io.nbdcrypt.nbd.testing.LeakCheck;
import io.nbdcrypt.nbd.testing.RawClient;
import io.nbdcrypt.testsupport.Await;
import io.nbdcrypt.testsupport.TestFiles;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** close(): stop accepting, answer what was received, flush, close devices, wipe keys, remove the socket. */
@ExtendWith(LeakCheck.class)
class GracefulShutdownTest {
    @TempDir Path dir;

    @Test
    void close_withPipelinedWrites_everyAcknowledgedWriteIsOnDiskAndKeysClosed() throws Exception {
        Path img = dir.resolve("d.img");
        TestFiles.sparse(img, 16 << 20);
        AtomicBoolean keysWiped = new AtomicBoolean();
        ExportRegistry registry = new ExportRegistry(
                List.of(new Export("", "", FileBlockDevice.open(img, false), false, false)),
                List.of(() -> keysWiped.set(true)));
        Path sock = dir.resolve("s.sock");
        NbdServer server = NbdServer.start(registry, ServerConfig.unix(sock));
        int n = 200;
        int len = 16384;
        boolean[] acked = new boolean[n];
        CompletableFuture<Void> closer = null;
        try (RawClient c = RawClient.connectAndGo(sock)) {
            try {
                for (int i = 0; i < n; i++) {
                    byte[] data = new byte[len];
                    Arrays.fill(data, (byte) (i + 1));
                    c.send(request(0, RawClient.WRITE, i, (long) i * len, len));
                    c.send(data);
                    if (i == n / 2) {
                        closer = closeInBackground(server);
                    }
                }
            } catch (java.io.IOException serverWentAway) {
                // sends after the shutdown may fail; the replies tell what was done
            }
            try {
                while (true) {
                    RawClient.Reply r = c.readSimpleReply(0);
                    assertEquals(0, r.error());
                    acked[(int) r.cookie()] = true;
                }
            } catch (EOFException | SocketException closedAfterAnswering) {
                // the server closes once everything it received is answered (a bad reply is not caught here)
            }
        }
        closer.get(60, TimeUnit.SECONDS); // rethrows a failed close
        assertTrue(keysWiped.get(), "resources (keys) not closed");
        assertFalse(Files.exists(sock), "socket not removed");
        byte[] all = Files.readAllBytes(img);
        int done = 0;
        for (int i = 0; i < n; i++) {
            if (acked[i]) {
                done++;
                for (int j = 0; j < len; j++) {
                    assertEquals((byte) (i + 1), all[i * len + j], "acknowledged write " + i + " missing at byte " + j);
                }
            }
        }
        assertTrue(done > 0, "no write acknowledged");
    }

    @Test
    void close_repliesToEverythingReceivedBeforeClosing() throws Exception {
        Path img = dir.resolve("d.img");
        TestFiles.sparse(img, 16 << 20);
        ExportRegistry registry = ExportRegistry.of(new Export("", "", FileBlockDevice.open(img, false), false, false));
        Path sock = dir.resolve("s.sock");
        NbdServer server = NbdServer.start(registry, ServerConfig.unix(sock));
        try (RawClient c = RawClient.connectAndGo(sock)) {
            for (int i = 0; i < 64; i++) {
                c.send(request(0, RawClient.READ, i, (long) i << 16, 65536));
            }
            // Once the server has received them all, close must still answer each one.
            Await.until(() -> server.metrics().requests() >= 64, Duration.ofSeconds(60), "the server to receive all 64");
            assertEquals(64, server.metrics().requests());
            CompletableFuture<Void> closer = closeInBackground(server);
            boolean[] seen = new boolean[64];
            int replies = 0;
            try {
                while (replies < 64) {
                    RawClient.Reply r = c.readSimpleReply(65536);
                    assertEquals(0, r.error());
                    assertFalse(seen[(int) r.cookie()], "duplicate reply");
                    seen[(int) r.cookie()] = true;
                    replies++;
                }
            } finally {
                closer.get(60, TimeUnit.SECONDS); // rethrows a failed close
            }
            assertEquals(64, replies);
            assertTrue(c.closedByServer(), "the server must close after answering");
        }
    }

    /** server.close() on its own thread; the future fails if close does. */
    private static CompletableFuture<Void> closeInBackground(NbdServer server) {
        return CompletableFuture.runAsync(() -> {
            try {
                server.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, r -> Thread.ofPlatform().start(r));
    }
}
