package io.nbdcrypt.nbd.server;

import static org.junit.jupiter.api.Assertions.*;

import io.nbdcrypt.nbd.testing.LeakCheck;
import io.nbdcrypt.nbd.testing.RawClient;
import io.nbdcrypt.nbd.testing.ServedImage;
import io.nbdcrypt.nbd.testing.ServedImage.Kind;
import io.nbdcrypt.testsupport.Await;
import io.nbdcrypt.testsupport.ExternalTool;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13 part 1: clients that connect and never finish the handshake must not lock out the
 * ones that do. Dozens of half-open connections (silent, stopped halfway through an option
 * header, or trickling a byte every 300 ms) are held open and reopened whenever the server
 * closes them; real clients (nbdinfo, qemu-io) must still get in well within the old 60 s
 * handshake deadline, an established client that idles through all of it keeps its connection
 * and its data, and the server logs a handful of warnings rather than one per refusal.
 */
@ExtendWith(LeakCheck.class)
class HandshakeLockoutTest {
    private static final long SIZE = 16L << 20;
    private static final int ATTACKERS = 48;
    /** Far below the 60 s deadline that used to be the only way out, far above a real handshake. */
    private static final long GET_IN_WITHIN_SECONDS = 20;

    @TempDir Path dir;

    @Test
    void halfOpenHandshakesHeldOpen_realClientsStillGetIn_establishedClientKeepsItsData() throws Exception {
        ExternalTool.require("nbdinfo");
        ExternalTool.require("qemu-io");
        WarningCounter warnings = WarningCounter.install();
        try (ServedImage s = ServedImage.start(dir, Kind.ENCRYPTED, SIZE, false, false,
                c -> c.withHandshakeIdleTimeout(Duration.ofSeconds(2)))) {
            byte[] data = new byte[65536];
            new Random(13).nextBytes(data);
            RawClient good = RawClient.connectAndGo(s.socket);
            assertEquals(0, good.write(1, 1 << 20, data).error());

            long attackStart = System.nanoTime();
            try (HalfOpenClients attack = HalfOpenClients.start(s.socket, ATTACKERS)) {
                Await.until(() -> s.server.connectionCount() == 16, Duration.ofSeconds(60),
                        "the half-open clients to take every free slot");
                Await.until(() -> attack.connects() >= ATTACKERS + 16, Duration.ofSeconds(60),
                        "the half-open clients to be reopening");
                var info = retryUntilSuccess(List.of("nbdinfo", "--size", s.uri()));
                assertEquals(String.valueOf(SIZE), info.stdoutText().trim());
                retryUntilSuccess(List.of("qemu-io", "-f", "raw", "-c", "write -P 0x7e 4096 8192", s.uri()));
                var read = retryUntilSuccess(List.of("qemu-io", "-f", "raw", "-r", "-c", "read -P 0x7e 4096 8192",
                        s.uri()));
                assertFalse(read.stdoutText().contains("failed"), read.stdoutText());
            }
            long attackSeconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - attackStart);

            // The established client idled through all of it (longer than the idle limit) and is served.
            RawClient.Reply r = good.read(2, 1 << 20, data.length);
            assertEquals(0, r.error());
            assertArrayEquals(data, r.data(), "the established client's data changed");
            good.close();

            NbdMetricsView m = new NbdMetricsView(s.server);
            assertTrue(m.turnedAway() >= ATTACKERS, "refused + evicted + timed out: " + m);
            // At most one warning per kind (refused, evicted, timed out, protocol error) per 10 s.
            long allowed = 4 * (2 + attackSeconds / 10);
            assertTrue(warnings.count() <= allowed, warnings.count() + " warnings for " + m + " in " + attackSeconds
                    + " s; at most " + allowed + " expected");
        } finally {
            warnings.uninstall();
        }
    }

    private static ExternalTool.Result retryUntilSuccess(List<String> command) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(GET_IN_WITHIN_SECONDS);
        ExternalTool.Result last;
        do {
            last = ExternalTool.run(command, null, 60);
            if (last.exitCode() == 0) {
                return last;
            }
            Thread.sleep(100);
        } while (System.nanoTime() < deadline);
        fail(command.getFirst() + " did not get in within " + GET_IN_WITHIN_SECONDS + " s: " + last.stderr());
        return last;
    }

    private record NbdMetricsView(long refused, long evicted, long timedOut) {
        NbdMetricsView(NbdServer s) {
            this(s.metrics().connectionsRefused(), s.metrics().handshakesEvicted(), s.metrics().handshakeTimeouts());
        }

        long turnedAway() {
            return refused + evicted + timedOut;
        }
    }

    /** Counts WARNING records of the server's loggers. */
    private static final class WarningCounter extends Handler {
        private static final Logger NBD = Logger.getLogger("io.nbdcrypt.nbd");
        private final AtomicInteger count = new AtomicInteger();

        static WarningCounter install() {
            WarningCounter w = new WarningCounter();
            NBD.addHandler(w);
            return w;
        }

        void uninstall() {
            NBD.removeHandler(this);
        }

        int count() {
            return count.get();
        }

        @Override
        public void publish(LogRecord r) {
            if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
                count.incrementAndGet();
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    }

    /**
     * Connections that never finish negotiating, in three flavours, kept open by one thread:
     * whenever the server closes one, it is reopened two seconds later.
     */
    private static final class HalfOpenClients implements AutoCloseable {
        private static final long REOPEN_NANOS = TimeUnit.SECONDS.toNanos(2);
        private static final long TRICKLE_NANOS = TimeUnit.MILLISECONDS.toNanos(300);
        private static final byte[] TRICKLED_OPTION = ByteBuffer.allocate(16).putLong(0x49484156454f5054L).putInt(6)
                .putInt(1000).array();

        private enum Flavour { SILENT, HALF_HEADER, TRICKLE }

        private final class Attacker {
            final Flavour flavour;
            SocketChannel ch;
            long reopenAt;
            long nextByteAt;
            int sent;

            Attacker(Flavour flavour) {
                this.flavour = flavour;
            }

            void open(long now) {
                try {
                    ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                    ch.connect(UnixDomainSocketAddress.of(socket));
                    connects.incrementAndGet();
                    if (flavour != Flavour.SILENT) {
                        // Client flags; the half-header one then stops after 10 of the option's 16 header bytes.
                        write(ByteBuffer.allocate(4).putInt(3).array());
                        if (flavour == Flavour.HALF_HEADER) {
                            write(java.util.Arrays.copyOf(TRICKLED_OPTION, 10));
                        }
                    }
                    ch.configureBlocking(false);
                    sent = 0;
                    nextByteAt = now;
                } catch (IOException refused) {
                    drop(now);
                }
            }

            void write(byte[] b) throws IOException {
                ByteBuffer buf = ByteBuffer.wrap(b);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
            }

            /** Drains what the server sent; notices when it closed us. */
            void poll(long now) {
                if (ch == null) {
                    if (now - reopenAt >= 0) {
                        open(now);
                    }
                    return;
                }
                try {
                    ByteBuffer sink = ByteBuffer.allocate(4096);
                    int n;
                    while ((n = ch.read(sink)) > 0) {
                        sink.clear();
                    }
                    if (n < 0) {
                        drop(now);
                        return;
                    }
                    if (flavour == Flavour.TRICKLE && now - nextByteAt >= 0) {
                        ch.write(ByteBuffer.wrap(TRICKLED_OPTION, sent % TRICKLED_OPTION.length, 1));
                        sent++;
                        nextByteAt = now + TRICKLE_NANOS;
                    }
                } catch (IOException closed) {
                    drop(now);
                }
            }

            void drop(long now) {
                closeQuietly();
                reopenAt = now + REOPEN_NANOS;
            }

            void closeQuietly() {
                if (ch != null) {
                    try {
                        ch.close();
                    } catch (IOException ignored) {
                        // already gone
                    }
                    ch = null;
                }
            }
        }

        private final Path socket;
        private final List<Attacker> attackers = new ArrayList<>();
        private final AtomicInteger connects = new AtomicInteger();
        private volatile boolean running = true;
        private Thread thread;

        private HalfOpenClients(Path socket) {
            this.socket = socket;
        }

        static HalfOpenClients start(Path socket, int n) {
            HalfOpenClients h = new HalfOpenClients(socket);
            long now = System.nanoTime();
            for (int i = 0; i < n; i++) {
                Attacker a = h.new Attacker(Flavour.values()[i % 3]);
                a.open(now);
                h.attackers.add(a);
            }
            h.thread = Thread.ofPlatform().daemon().name("half-open-clients").start(h::run);
            return h;
        }

        private void run() {
            while (running) {
                long now = System.nanoTime();
                for (Attacker a : attackers) {
                    a.poll(now);
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        int connects() {
            return connects.get();
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.join(TimeUnit.SECONDS.toMillis(10));
            for (Attacker a : attackers) {
                a.closeQuietly();
            }
        }
    }
}
