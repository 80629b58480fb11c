package io.nbdcrypt.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nbdcrypt.block.FileBlockDevice;
import io.nbdcrypt.linux.Libc;
import io.nbdcrypt.linux.Sockets;
import io.nbdcrypt.nbd.backend.Export;
import io.nbdcrypt.nbd.backend.ExportRegistry;
import io.nbdcrypt.nbd.server.NbdServer;
import io.nbdcrypt.nbd.server.ServerConfig;
import io.nbdcrypt.nbd.wire.NbdProtocol;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the in-process kernel attach relies on, without a kernel: a server that listens nowhere
 * serves the transmission phase on one end of a socket pair with no handshake, as the kernel's
 * NBD client speaks it on the other end (28-byte requests, 16-byte simple replies, then data).
 */
class AdoptedConnectionTest {
    @TempDir
    Path dir;

    @Test
    void adoptConnection_kernelStyleWriteThenRead_servesTheFileWithoutHandshake() throws IOException {
        Path image = dir.resolve("img");
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(1 << 20);
        }
        byte[] data = new byte[8192];
        new Random(7).nextBytes(data);
        Export export = new Export("", "", FileBlockDevice.open(image, false), false, false);
        Sockets.Pair pair = Sockets.socketPair();
        try (NbdServer server = NbdServer.start(ExportRegistry.of(export), ServerConfig.inProcess())) {
            server.adoptConnection(pair.second());
            int fd = pair.first();

            send(fd, NbdProtocol.CMD_WRITE, 0x1111L, 65536, data);
            assertReply(fd, 0x1111L);
            send(fd, NbdProtocol.CMD_FLUSH, 0x2222L, 0, new byte[0]);
            assertReply(fd, 0x2222L);
            send(fd, NbdProtocol.CMD_READ, 0x3333L, 65536 + 4096, new byte[0], 4096);
            assertReply(fd, 0x3333L);
            ByteBuffer back = ByteBuffer.allocate(4096);
            Sockets.readFully(fd, back, "kernel end");

            assertArrayEquals(Arrays.copyOfRange(data, 4096, 8192), back.array(), "read back through the adopted connection");
            byte[] onDisk = Arrays.copyOfRange(Files.readAllBytes(image), 65536, 65536 + 8192);
            assertArrayEquals(data, onDisk, "the write reached the file");
            assertEquals(1, server.connectionCount());
        } finally {
            Libc.close(pair.first());
        }
    }

    @Test
    void adoptConnection_kernelSendsDisc_connectionCloses() throws Exception {
        Path image = Files.write(dir.resolve("small"), new byte[65536]);
        Export export = new Export("", "", FileBlockDevice.open(image, false), false, false);
        Sockets.Pair pair = Sockets.socketPair();
        try (NbdServer server = NbdServer.start(ExportRegistry.of(export), ServerConfig.inProcess())) {
            var ch = server.adoptConnection(pair.second());
            send(pair.first(), NbdProtocol.CMD_DISC, 1, 0, new byte[0]);
            assertTrue(ch.closeFuture().await(10_000), "connection still open 10 s after NBD_CMD_DISC");
        } finally {
            Libc.close(pair.first());
        }
    }

    private static void send(int fd, int type, long cookie, long offset, byte[] payload) throws IOException {
        send(fd, type, cookie, offset, payload, payload.length);
    }

    private static void send(int fd, int type, long cookie, long offset, byte[] payload, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(28 + payload.length);
        b.putInt(NbdProtocol.REQUEST_MAGIC).putShort((short) 0).putShort((short) type).putLong(cookie).putLong(offset)
                .putInt(length).put(payload).flip();
        Sockets.writeFully(fd, b, "kernel end");
    }

    private static void assertReply(int fd, long cookie) throws IOException {
        ByteBuffer r = ByteBuffer.allocate(16);
        Sockets.readFully(fd, r, "kernel end");
        r.flip();
        assertEquals(0x67446698, r.getInt(), "simple reply magic");
        assertEquals(0, r.getInt(), "error");
        assertEquals(cookie, r.getLong(), "cookie");
    }
}
