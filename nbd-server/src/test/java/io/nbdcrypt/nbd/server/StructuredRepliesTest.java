package io.nbdcrypt.nbd.server;

import static io.nbdcrypt.nbd.testing.RawClient.request;
import static org.junit.jupiter.api.Assertions.*;

import io.nbdcrypt.nbd.testing.LeakCheck;
import io.nbdcrypt.nbd.testing.RawClient;
import io.nbdcrypt.nbd.testing.ServedImage;
import io.nbdcrypt.nbd.testing.ServedImage.Kind;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Structured reply chunks on the wire, read with the independent raw client (proto.md layouts). */
@ExtendWith(LeakCheck.class)
class StructuredRepliesTest {
    private static final long SIZE = 4L << 20;
    private static final int DONE = 1, NONE = 0, OFFSET_DATA = 1, ERROR = 0x8001;

    @TempDir Path dir;

    @Test
    void readWriteAndErrors_useTheRightChunks() throws Exception {
        try (ServedImage s = ServedImage.start(dir, Kind.ENCRYPTED, SIZE);
                RawClient c = RawClient.connectAndGo(s.socket, true)) {
            byte[] data = new byte[5000];
            Arrays.fill(data, (byte) 0x5e);
            c.send(request(0, RawClient.WRITE, 11, 4093, data.length));
            c.send(data);
            RawClient.Chunk w = c.readChunk();
            assertEquals(DONE, w.flags());
            assertEquals(NONE, w.type());
            assertEquals(11, w.cookie());
            assertEquals(0, w.payload().length);

            c.send(request(0, RawClient.READ, 12, 4093, data.length));
            RawClient.Chunk r = c.readChunk();
            assertEquals(DONE, r.flags());
            assertEquals(OFFSET_DATA, r.type());
            assertEquals(12, r.cookie());
            ByteBuffer p = ByteBuffer.wrap(r.payload());
            assertEquals(4093, p.getLong());
            byte[] got = new byte[p.remaining()];
            p.get(got);
            assertArrayEquals(data, got);

            c.send(request(0, RawClient.READ, 13, SIZE - 10, 4096));
            RawClient.Chunk e = c.readChunk();
            assertEquals(DONE, e.flags());
            assertEquals(ERROR, e.type());
            assertEquals(13, e.cookie());
            ByteBuffer ep = ByteBuffer.wrap(e.payload());
            assertEquals(22, ep.getInt());   // EINVAL
            int len = Short.toUnsignedInt(ep.getShort());
            assertEquals(ep.remaining(), len);
            String message = StandardCharsets.UTF_8.decode(ep).toString();
            assertTrue(message.contains("NBD_CMD_READ") && message.contains("offset=" + (SIZE - 10)), message);

            c.send(request(0, RawClient.FLUSH, 14, 0, 0));
            RawClient.Chunk f = c.readChunk();
            assertEquals(NONE, f.type());
            assertEquals(DONE, f.flags());
            assertEquals(14, f.cookie());
        }
    }
}
