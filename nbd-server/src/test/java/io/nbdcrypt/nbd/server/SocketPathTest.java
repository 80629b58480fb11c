package io.nbdcrypt.nbd.server;

import static org.junit.jupiter.api.Assertions.*;

import io.nbdcrypt.block.FileBlockDevice;
import io.nbdcrypt.nbd.backend.Export;
import io.nbdcrypt.nbd.backend.ExportRegistry;
import io.nbdcrypt.nbd.testing.RawClient;
import io.nbdcrypt.testsupport.TestFiles;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The socket file: owner-only, stale ones replaced, live ones and non-sockets refused. */
class SocketPathTest {
    @TempDir Path dir;

    private ExportRegistry registry() throws IOException {
        Path img = dir.resolve("d.img");
        TestFiles.sparse(img, 1 << 20);
        return ExportRegistry.of(new Export("", "", FileBlockDevice.open(img, false), false, false));
    }

    @Test
    void start_socketIsOwnerOnly() throws Exception {
        Path sock = dir.resolve("s.sock");
        try (NbdServer s = NbdServer.start(registry(), ServerConfig.unix(sock))) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock)));
            RawClient.connectAndGo(sock).close();
        }
    }

    @Test
    void start_staleSocketFromACrash_replaced() throws Exception {
        Path sock = dir.resolve("s.sock");
        ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        dead.bind(UnixDomainSocketAddress.of(sock));
        dead.close();   // the JDK leaves the file behind, as a crashed server would
        assertTrue(Files.exists(sock));
        try (NbdServer s = NbdServer.start(registry(), ServerConfig.unix(sock))) {
            RawClient.connectAndGo(sock).close();
        }
    }

    @Test
    void start_socketInUse_refusedAndOtherServerUntouched() throws Exception {
        Path sock = dir.resolve("s.sock");
        try (NbdServer first = NbdServer.start(registry(), ServerConfig.unix(sock))) {
            ExportRegistry second = registry();
            IOException e = assertThrows(IOException.class, () -> NbdServer.start(second, ServerConfig.unix(sock)));
            assertTrue(e.getMessage().contains("in use"), e.getMessage());
            second.close();
            RawClient.connectAndGo(sock).close();
        }
    }

    @Test
    void start_pathIsARegularFile_refusedAndFileKept() throws Exception {
        Path notSock = Files.writeString(dir.resolve("important.txt"), "keep me");
        ExportRegistry r = registry();
        IOException e = assertThrows(IOException.class, () -> NbdServer.start(r, ServerConfig.unix(notSock)));
        assertTrue(e.getMessage().contains("not a socket"), e.getMessage());
        assertEquals("keep me", Files.readString(notSock));
        r.close();
    }
}
