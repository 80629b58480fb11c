package io.nbdcrypt.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nbdcrypt.testsupport.Await;
import io.nbdcrypt.testsupport.TestFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code nbdcrypt provision --authenticated} in the guest, as a confidential VM would run it,
 * and the host attacking the scratch image while the file system is mounted: the guest's reads
 * of what the host damaged fail with I/O errors (cat gets EIO, the block layer and ext4 log
 * it) and everything else reads as written; the header file shows the mode and cryptsetup
 * refuses to map the volume. With plain XTS the same damage reads back as garbage, silently.
 *
 * <p>The host strikes on cue: the guest writes the file system blocks of its victim file and
 * of a directory to a small signal disk, this test flips a byte in each of those blocks of the
 * scratch image (the data lies from byte 0, so block b is at b * 4096) and answers DONE.
 */
class AuthenticatedProvisionIT {
    private static final long DISK = 256L << 20;

    @TempDir Path dir;

    @Test
    void provisionAuthenticated_hostDamagesMountedVolume_guestSeesIoErrorsCryptsetupRefuses() throws Exception {
        GuestVm vm = GuestVm.require();
        Path disks = Files.createDirectories(dir.resolve("disks"));
        Path scratch = TestFiles.sparse(disks.resolve("auth.img"), DISK);
        Path signal = TestFiles.sparse(disks.resolve("signal.img"), 1 << 20);
        Path inner = Files.writeString(dir.resolve("inner.sh"), NbdcryptCli.guestScriptPrelude()
                + resource("auth-provision-guest.sh"));
        Path script = Files.writeString(dir.resolve("auth-provision-boot.sh"),
                "mkdir -p /host/tmp/vmtest && cp /vmtest/* /host/tmp/vmtest/ && exec chroot /host /bin/sh /tmp/vmtest/inner.sh\n");
        AtomicInteger damaged = new AtomicInteger();
        AtomicReference<Throwable> hostSide = new AtomicReference<>();
        Thread host = Thread.ofPlatform().daemon().start(() -> {
            try {
                Await.until(() -> readSignal(signal).startsWith("READY"), Duration.ofMinutes(20), "the guest's READY");
                String[] words = readSignal(signal).trim().split("\\s+");
                try (RandomAccessFile f = new RandomAccessFile(scratch.toFile(), "rw")) {
                    for (int i = 1; i < words.length; i++) {
                        long at = Long.parseLong(words[i]) * 4096 + 200;
                        f.seek(at);
                        int b = f.read();
                        f.seek(at);
                        f.write(b ^ 0x01);
                        damaged.incrementAndGet();
                    }
                }
                try (RandomAccessFile f = new RandomAccessFile(signal.toFile(), "rw")) {
                    f.write("DONE".getBytes(StandardCharsets.US_ASCII));
                }
            } catch (Throwable t) {
                hostSide.set(t);
            }
        });
        GuestRun guest = vm.hostRoot().memMib(2048).disks(disks).file(inner).timeoutSeconds(1500)
                .run("AuthenticatedProvisionIT", script);
        host.join(Duration.ofMinutes(1).toMillis());
        if (hostSide.get() != null) {
            throw new AssertionError("host side: " + hostSide.get() + "\n" + guest.console(), hostSide.get());
        }
        assertEquals("yes", guest.result("done"), "the guest script did not finish:\n" + guest.console());
        assertEquals("authenticated", guest.result("mode"), "the provisioned line says the mode");
        assertEquals(Integer.parseInt(guest.result("victim.blocks")), damaged.get());
        assertTrue(damaged.get() > 512, "the victim's 2 MiB and the directory: " + damaged.get() + " blocks");
        assertEquals("failed", guest.result("victim.read"), guest.console());
        assertTrue(guest.result("victim.error").contains("Input/output_error"), guest.result("victim.error"));
        assertEquals("failed", guest.result("dir.list"), guest.console());
        assertEquals(guest.result("control.written"), guest.result("control.read"), "the control file reads as written");
        assertTrue(Integer.parseInt(guest.result("kernel.io_errors")) > 0, guest.console());
        assertTrue(Integer.parseInt(guest.result("kernel.ext4_errors")) > 0, "ext4 reports the damage:\n" + guest.console());
        assertTrue(Integer.parseInt(guest.result("server.logged")) > 0, "the server logs the failures");
        assertEquals("0", guest.result("provision.exit"), "destroy after the damage is still clean");
        assertEquals("nbdcrypt-authenticated-v1", guest.result("luksdump.requirements"));
        assertNotEquals("0", guest.result("cryptsetup.open.rc"), "cryptsetup must refuse to map it:\n" + guest.console());
        assertEquals("no", guest.result("cryptsetup.mapped"));
        assertTrue(guest.result("cryptsetup.open.error").toLowerCase().contains("requirement"), guest.result("cryptsetup.open.error"));
    }

    private static String readSignal(Path signal) {
        try {
            byte[] b = Files.readAllBytes(signal);
            int end = 0;
            while (end < b.length && b[end] != 0) {
                end++;
            }
            return new String(b, 0, end, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            return "";
        }
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = AuthenticatedProvisionIT.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
