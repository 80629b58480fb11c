package io.nbdcrypt.linux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SocketsTest {
    @TempDir
    Path dir;

    @Test
    void socketPair_bytesWrittenOnOneEnd_areReadOnTheOther() throws NativeException {
        Sockets.Pair p = Sockets.socketPair();
        try {
            byte[] msg = "hello kernel".getBytes(StandardCharsets.US_ASCII);
            Sockets.writeFully(p.first(), ByteBuffer.wrap(msg), "pair");
            ByteBuffer got = ByteBuffer.allocate(msg.length);
            Sockets.readFully(p.second(), got, "pair");
            assertArrayEquals(msg, got.array());
        } finally {
            Libc.close(p.first());
            Libc.close(p.second());
        }
    }

    @Test
    void readFully_peerClosed_failsWithEio() throws NativeException {
        Sockets.Pair p = Sockets.socketPair();
        Libc.close(p.first());
        try {
            NativeException e = assertThrows(NativeException.class,
                    () -> Sockets.readFully(p.second(), ByteBuffer.allocate(4), "pair"));
            assertEquals(Errno.EIO, e.errno());
        } finally {
            Libc.close(p.second());
        }
    }

    @Test
    void connectUnix_listeningPath_reachesTheServer() throws IOException {
        Path path = dir.resolve("s.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(path));
            int fd = Sockets.connectUnix(path);
            try (SocketChannel accepted = server.accept()) {
                Sockets.writeFully(fd, ByteBuffer.wrap(new byte[] {1, 2, 3}), path.toString());
                ByteBuffer got = ByteBuffer.allocate(3);
                while (got.hasRemaining()) {
                    accepted.read(got);
                }
                assertArrayEquals(new byte[] {1, 2, 3}, got.array());
            } finally {
                Libc.close(fd);
            }
        }
    }

    @Test
    void connectUnix_noSuchSocket_failsNamingThePath() {
        Path path = dir.resolve("missing.sock");
        NativeException e = assertThrows(NativeException.class, () -> Sockets.connectUnix(path));
        assertEquals(Errno.ENOENT, e.errno());
        assertTrue(e.getMessage().contains(path.toString()), e.getMessage());
    }
}
