package io.nbdcrypt.vm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nbdcrypt.testsupport.ExternalTool;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guest kernel's NBD client against an NBD server on a host unix socket, in one guest boot:
 * the guest attaches {@code /dev/nbd0} with {@code nbd-client}, makes an ext4 file system,
 * copies in a file from the host and writes one of its own, drops its caches and reads both
 * back. Afterwards the host copies the export out through the same socket with libnbd's
 * {@code nbdcopy} and checks it with {@code e2fsck} and {@code debugfs}.
 *
 * <p>The server is the one thing to swap: {@link #startServer} gets a socket path and nothing
 * else is tied to it (today nbdkit's file plugin, the reference the NBD server is measured by).
 * To try a server started by hand instead, name its socket:
 * {@code ./build verify -Dit.test=KernelNbdClientIT -Dnbdcrypt.vm.nbdSocket=/tmp/s.sock}
 * (its default export, at least 32 MiB, is overwritten).
 */
class KernelNbdClientIT {
    private static final int FILE_KIB = 300;

    @TempDir
    static Path tmp;

    private static Process server;
    private static byte[] fromHost;
    private static GuestRun guest;
    /** The export as the host reads it back through the server after the guest is done. */
    private static Path exported;

    /**
     * The NBD server under test, listening on {@code socket} with a default export of at least
     * 32 MiB; returns once the socket exists.
     */
    private static Process startServer(Path socket) throws IOException, InterruptedException {
        Path image = tmp.resolve("export.img");
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(64L << 20);
        }
        Process p = new ProcessBuilder(ExternalTool.require("nbdkit").toString(), "--exit-with-parent", "-f",
                "-U", socket.toString(), "file", image.toString())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("server.log").toFile()).start();
        for (int i = 0; i < 100 && !Files.exists(socket); i++) {
            if (!p.isAlive()) {
                throw new AssertionError("NBD server exited: " + Files.readString(tmp.resolve("server.log")));
            }
            Thread.sleep(50);
        }
        return p;
    }

    @BeforeAll
    static void runGuestOnce() throws IOException, InterruptedException {
        GuestVm vm = GuestVm.require();
        Path nbdcopy = ExternalTool.require("nbdcopy");
        ExternalTool.require("debugfs");
        ExternalTool.require("e2fsck");
        String external = System.getProperty("nbdcrypt.vm.nbdSocket", "");
        Path socket = external.isEmpty() ? tmp.resolve("nbd.sock") : Path.of(external).toAbsolutePath();
        if (external.isEmpty()) {
            server = startServer(socket);
        } else if (!Files.exists(socket)) {
            throw new AssertionError("nbdcrypt.vm.nbdSocket: no socket at " + socket);
        }

        fromHost = new byte[FILE_KIB * 1024];
        new SecureRandom().nextBytes(fromHost);
        Path hostFile = Files.write(tmp.resolve("fromhost"), fromHost);
        Path script = Files.writeString(tmp.resolve("nbd.sh"), GUEST_SCRIPT.formatted(FILE_KIB, FILE_KIB * 1024));
        guest = vm.nbdSocket(socket).file(hostFile).timeoutSeconds(180).run("KernelNbdClientIT", script);

        exported = tmp.resolve("exported.img");
        ExternalTool.run(List.of(nbdcopy.toString(), "nbd+unix:///?socket=" + socket, exported.toString()), null, 60)
                .assertSuccess();
    }

    @AfterAll
    static void stopServer() throws InterruptedException {
        if (server != null) {
            server.destroy();
            if (!server.waitFor(10, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
        }
    }

    @Test
    void kernelClient_mkfsAndWrites_exportIsCleanExt4() {
        ExternalTool.run("e2fsck", "-fn", exported.toString()).assertSuccess();
    }

    @Test
    void kernelClient_copiesHostFile_exportHoldsSameBytes() {
        byte[] stored = ExternalTool.run("debugfs", "-R", "cat /fromhost", exported.toString()).assertSuccess().stdout();
        assertArrayEquals(fromHost, stored, "/fromhost as stored by the server");
    }

    @Test
    void kernelClient_writesGuestFile_exportHoldsGuestBytes() {
        byte[] stored = ExternalTool.run("debugfs", "-R", "cat /fromguest", exported.toString()).assertSuccess().stdout();
        assertEquals(FILE_KIB * 1024, stored.length, "size of /fromguest as stored by the server");
        assertEquals(guest.result("fromguest.written"), sha256(stored), "sha256 of /fromguest, guest vs server");
    }

    @Test
    void kernelClient_rereadsWithCachesDropped_getsWhatWasWritten() {
        assertEquals(sha256(fromHost), guest.result("fromhost.read"), "guest re-read /fromhost");
        assertEquals(guest.result("fromguest.written"), guest.result("fromguest.read"), "guest re-read /fromguest");
    }

    /** Runs in the guest: $NBD_HOST:$NBD_PORT lead to the host socket (vm/init). */
    private static final String GUEST_SCRIPT = """
            set -eu
            report() {
              test "$(stat -c %%s "$2")" = %2$d
              echo "RESULT $1 $(sha256sum "$2" | cut -d' ' -f1)"
            }
            nbd-client "$NBD_HOST" "$NBD_PORT" /dev/nbd0
            mkfs.ext4 -q -F /dev/nbd0
            mkdir -p /mnt/n
            mount /dev/nbd0 /mnt/n
            cp /vmtest/fromhost /mnt/n/fromhost
            dd if=/dev/urandom of=/mnt/n/fromguest bs=1024 count=%1$d 2>/dev/null
            report fromguest.written /mnt/n/fromguest
            umount /mnt/n
            # Forget every cached block, so the reads below come from the server.
            blockdev --flushbufs /dev/nbd0
            echo 3 > /proc/sys/vm/drop_caches
            mount -o ro /dev/nbd0 /mnt/n
            report fromhost.read /mnt/n/fromhost
            report fromguest.read /mnt/n/fromguest
            umount /mnt/n
            nbd-client -d /dev/nbd0
            """;

    private static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
