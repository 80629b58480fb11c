package io.nbdcrypt.nbd.server;

import static io.nbdcrypt.nbd.testing.RawClient.request;
import static org.junit.jupiter.api.Assertions.*;

import io.nbdcrypt.block.BlockDevice;
import io.nbdcrypt.block.EncryptedVolume;
import io.nbdcrypt.crypto.SecretBytes;
import io.nbdcrypt.nbd.backend.Export;
import io.nbdcrypt.nbd.backend.ExportRegistry;
import io.nbdcrypt.nbd.testing.LeakCheck;
import io.nbdcrypt.nbd.testing.RawClient;
import io.nbdcrypt.nbd.testing.RecordingDevice;
import io.nbdcrypt.xts.IvMode;
import io.nbdcrypt.xts.IvRule;
import io.nbdcrypt.xts.SectorCipher;
import io.nbdcrypt.xts.XtsCipher;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The durability contract of proto.md ("Ordering of messages and writes"), tested by what the
 * storage holds when a reply arrives, on a device with a volatile cache that only FLUSH empties:
 * a WRITE, WRITE_ZEROES or TRIM with FUA is durable before its reply; one without FUA is not
 * flushed on its own account; a FLUSH covers every write completed before it, on any connection
 * (the promise behind NBD_FLAG_CAN_MULTI_CONN). Over the plain device and an encrypted volume
 * on it (whose ciphertext then has to be durable).
 */
@ExtendWith(LeakCheck.class)
class DurabilityTest {
    private static final int SIZE = 1 << 20;
    private static final int FUA = 1;
    private static final int TRIM = 4;
    private static final int WRITE_ZEROES = 6;

    @TempDir Path dir;
    private RecordingDevice disk;
    private NbdServer server;

    private Path serve(boolean encrypted) throws IOException {
        disk = new RecordingDevice(SIZE);
        BlockDevice device = disk;
        List<AutoCloseable> keys = List.of();
        if (encrypted) {
            XtsCipher xts = XtsCipher.create(SecretBytes.random(64, new SecureRandom()));
            device = new EncryptedVolume(disk, 0, SIZE, new SectorCipher(xts, 4096, IvRule.dmCrypt(IvMode.PLAIN64, 0)));
            keys = List.of(xts);
        }
        Path sock = dir.resolve("s.sock");
        server = NbdServer.start(new ExportRegistry(List.of(new Export("", "", device, false, true)), keys),
                ServerConfig.unix(sock));
        return sock;
    }

    @AfterEach
    void stop() throws IOException {
        if (server != null) {
            server.close();
        }
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Data made durable first, so that zeroing or trimming it is a change a power cut could lose. */
    private static void durableData(RawClient c, long offset, int length) throws IOException {
        assertEquals(0, c.write(100, offset, random(length, offset)).error());
        c.send(request(0, RawClient.FLUSH, 101, 0, 0));
        assertEquals(0, c.readSimpleReply(0).error());
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void writeWithFua_isDurableBeforeItsReply(boolean encrypted) throws Exception {
        try (RawClient c = RawClient.connectAndGo(serve(encrypted))) {
            byte[] data = random(20000, 1);
            c.send(request(FUA, RawClient.WRITE, 1, 12288, data.length));
            c.send(data);
            assertEquals(0, c.readSimpleReply(0).error());
            assertTrue(disk.isDurable(0, SIZE), "acknowledged FUA write still only in the volatile cache");
            assertArrayEquals(data, c.read(2, 12288, data.length).data());
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void writeZeroesAndTrimWithFua_areDurableBeforeTheirReplies(boolean encrypted) throws Exception {
        try (RawClient c = RawClient.connectAndGo(serve(encrypted))) {
            durableData(c, 0, 65536);
            c.send(request(FUA, WRITE_ZEROES, 1, 4096, 8192));
            assertEquals(0, c.readSimpleReply(0).error());
            assertTrue(disk.isDurable(0, SIZE), "acknowledged FUA WRITE_ZEROES not durable");
            c.send(request(FUA, TRIM, 2, 20480, 16384));
            assertEquals(0, c.readSimpleReply(0).error());
            assertTrue(disk.isDurable(0, SIZE), "acknowledged FUA TRIM not durable");
            assertArrayEquals(new byte[8192], c.read(3, 4096, 8192).data());
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void writesWithoutFua_areNotFlushedOnTheirOwnAccount(boolean encrypted) throws Exception {
        try (RawClient c = RawClient.connectAndGo(serve(encrypted))) {
            durableData(c, 0, 65536);
            long flushes = disk.flushes();
            assertEquals(0, c.write(1, 70000, random(5000, 2)).error());
            c.send(request(0, WRITE_ZEROES, 2, 4096, 4096));
            assertEquals(0, c.readSimpleReply(0).error());
            c.send(request(0, TRIM, 3, 32768, 8192));
            assertEquals(0, c.readSimpleReply(0).error());
            assertEquals(flushes, disk.flushes(), "flushed without FUA or FLUSH: " + disk.calls());
            assertFalse(disk.isDurable(0, SIZE));
        }
    }

    /** Multi-conn: a FLUSH on one connection makes durable what another connection wrote before it. */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void flushOnOneConnection_coversWritesCompletedOnAnother(boolean encrypted) throws Exception {
        Path sock = serve(encrypted);
        try (RawClient a = RawClient.connectAndGo(sock); RawClient b = RawClient.connectAndGo(sock);
                RawClient c = RawClient.connectAndGo(sock)) {
            assertEquals(0, a.write(1, 0, random(30000, 3)).error());
            assertEquals(0, b.write(2, 200000, random(4096, 4)).error());
            c.send(request(0, WRITE_ZEROES, 3, 500000, 10000));
            assertEquals(0, c.readSimpleReply(0).error());
            assertFalse(disk.isDurable(0, SIZE));
            b.send(request(0, RawClient.FLUSH, 4, 0, 0));
            assertEquals(0, b.readSimpleReply(0).error());
            assertTrue(disk.isDurable(0, SIZE), "FLUSH on b left a's or c's completed writes volatile");
        }
    }
}
