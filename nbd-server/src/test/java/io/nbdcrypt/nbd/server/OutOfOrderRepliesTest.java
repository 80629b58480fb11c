package io.nbdcrypt.nbd.server;

import static io.nbdcrypt.nbd.testing.RawClient.request;
import static org.junit.jupiter.api.Assertions.*;

import io.nbdcrypt.block.BlockDevice;
import io.nbdcrypt.block.FileBlockDevice;
import io.nbdcrypt.nbd.backend.Export;
import io.nbdcrypt.nbd.backend.ExportRegistry;
import io.nbdcrypt.nbd.testing.LeakCheck;
import io.nbdcrypt.nbd.testing.RawClient;
import io.nbdcrypt.testsupport.TestFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Requests run concurrently and replies go out as they complete: a read held up in the device
 * must not delay the replies to later requests on the same connection.
 */
@ExtendWith(LeakCheck.class)
class OutOfOrderRepliesTest {
    private static final long GATED_OFFSET = 1 << 20;

    @TempDir Path dir;

    /** Reads at {@link #GATED_OFFSET} wait for {@code gate}; everything else passes straight through. */
    private record GatedDevice(BlockDevice inner, CountDownLatch gate, CountDownLatch entered) implements BlockDevice {
        @Override public long size() { return inner.size(); }
        @Override public int blockSize() { return inner.blockSize(); }
        @Override public boolean isReadOnly() { return inner.isReadOnly(); }
        @Override public boolean canTrim() { return inner.canTrim(); }
        @Override public void write(long o, ByteBuffer b) throws IOException { inner.write(o, b); }
        @Override public void flush() throws IOException { inner.flush(); }
        @Override public void trim(long o, long l) throws IOException { inner.trim(o, l); }
        @Override public void writeZeroes(long o, long l, boolean t) throws IOException { inner.writeZeroes(o, l, t); }
        @Override public void close() throws IOException { inner.close(); }

        @Override
        public void read(long offset, ByteBuffer dst) throws IOException {
            if (offset == GATED_OFFSET) {
                entered.countDown();
                try {
                    if (!gate.await(60, TimeUnit.SECONDS)) {
                        throw new IOException("gate never opened");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException(e);
                }
            }
            inner.read(offset, dst);
        }
    }

    @Test
    void slowRead_laterRequestsAnsweredFirst_thenTheSlowOne() throws Exception {
        Path img = dir.resolve("d.img");
        TestFiles.sparse(img, 4 << 20);
        CountDownLatch gate = new CountDownLatch(1);
        CountDownLatch entered = new CountDownLatch(1);
        GatedDevice device = new GatedDevice(FileBlockDevice.open(img, false), gate, entered);
        Path sock = dir.resolve("s.sock");
        try (NbdServer server = NbdServer.start(ExportRegistry.of(new Export("", "", device, false, false)),
                ServerConfig.unix(sock));
                RawClient c = RawClient.connectAndGo(sock)) {
            c.send(request(0, RawClient.READ, 1, GATED_OFFSET, 4096));
            assertTrue(entered.await(60, TimeUnit.SECONDS), "the slow read never reached the device");
            byte[] data = new byte[512];
            data[0] = 9;
            RawClient.Reply w = c.write(2, 0, data);        // answered while request 1 is stuck
            assertEquals(2, w.cookie());
            RawClient.Reply r = c.read(3, 0, 512);
            assertEquals(3, r.cookie());
            assertEquals(9, r.data()[0]);
            gate.countDown();
            RawClient.Reply slow = c.readSimpleReply(4096);
            assertEquals(1, slow.cookie());
            assertEquals(0, slow.error());
        }
    }
}
