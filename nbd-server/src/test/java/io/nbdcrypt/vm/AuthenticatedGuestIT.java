package io.nbdcrypt.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nbdcrypt.block.BlockDevice;
import io.nbdcrypt.block.FileBlockDevice;
import io.nbdcrypt.block.auth.AuthenticatedLayout;
import io.nbdcrypt.block.auth.AuthenticatedVolume;
import io.nbdcrypt.crypto.SecretBytes;
import io.nbdcrypt.nbd.backend.Export;
import io.nbdcrypt.nbd.backend.ExportRegistry;
import io.nbdcrypt.nbd.server.NbdServer;
import io.nbdcrypt.nbd.server.ServerConfig;
import io.nbdcrypt.testsupport.TestFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guest kernel on an authenticated volume: ext4 through the guest's NBD client, the backing
 * file damaged from the host while the file system is mounted, and the guest sees I/O errors
 * where the damage is - {@code cat} of the damaged file fails with EIO, the block layer logs
 * "I/O error, dev nbd0", ext4 logs the directory block it cannot read - never silently wrong
 * data, while the rest of the file system reads as written. (With plain XTS the same damage
 * reads back as garbage and every read succeeds.)
 *
 * <p>The server runs in this JVM so that the host knows when and where to strike: it watches
 * the plaintext written for the guest's marker blocks, and damages their ciphertext in the
 * backing file when the guest rings (a write into the device's last block).
 */
class AuthenticatedGuestIT {
    private static final long SIZE = 64L << 20;

    @TempDir Path dir;

    @Test
    void mountedExt4_backingDamagedFromHost_guestGetsIoErrorsControlFileIntact() throws Exception {
        GuestVm vm = GuestVm.require();
        Path image = TestFiles.sparse(dir.resolve("auth.img"), SIZE);
        AuthenticatedLayout layout = AuthenticatedLayout.fit(0, SIZE, 4096);
        AuthenticatedVolume volume;
        try (SecretBytes key = SecretBytes.random(64, new SecureRandom())) {
            volume = AuthenticatedVolume.create(FileBlockDevice.open(image, false), layout, key,
                    AuthenticatedVolume.DEFAULT_CACHE_BYTES, new SecureRandom());
        }
        TamperOnCue device = new TamperOnCue(volume, image, layout);
        Path socket = dir.resolve("auth.sock");
        GuestRun guest;
        try (NbdServer server = NbdServer.start(ExportRegistry.of(new Export("auth", "authenticated", device, false, false)),
                ServerConfig.unix(socket))) {
            guest = vm.nbdSocket(socket).timeoutSeconds(300).run("AuthenticatedGuestIT", script());
            assertEquals("yes", guest.result("done"), "the guest script did not finish:\n" + guest.console());
            assertTrue(device.tampered.get() > 256, "the host damaged the victim's blocks and the directory's: "
                    + device.tampered.get() + "\n" + guest.console());
            assertTrue(guest.result("victim.before") != null, "the victim read back before the damage:\n" + guest.console());
            assertEquals("failed", guest.result("victim.read"), guest.console());
            assertTrue(guest.result("victim.error").contains("Input/output_error"), guest.result("victim.error"));
            assertEquals("failed", guest.result("dir.list"), guest.console());
            assertEquals(guest.result("control.written"), guest.result("control.read"), "the control file reads as written");
            assertTrue(Integer.parseInt(guest.result("kernel.io_errors")) > 0, guest.console());
            assertTrue(Integer.parseInt(guest.result("kernel.ext4_errors")) > 0, "ext4 reports the damage:\n" + guest.console());
            assertTrue(volume.metrics().sectorFailures() > 0, volume.metrics().summary());
        }
    }

    private Path script() throws IOException {
        try (InputStream in = AuthenticatedGuestIT.class.getResourceAsStream("auth-guest.sh")) {
            return Files.write(dir.resolve("auth-guest.sh"), in.readAllBytes());
        }
    }

    /**
     * The authenticated volume as served, plus the host's hand: it remembers where the guest
     * wrote its marker blocks (it sees the plaintext on its way in), and when the guest writes
     * {@code tamper} into the last block it flips a byte of each marker block's ciphertext in
     * the backing file, beneath the volume.
     */
    private static final class TamperOnCue implements BlockDevice {
        private static final byte[] VICTIM = "NBDCRYPT-VICTIM-BLOCK".getBytes(StandardCharsets.US_ASCII);
        private static final byte[] DIR_ENTRY = "NBDCRYPT-DIR-ENTRY".getBytes(StandardCharsets.US_ASCII);
        private final AuthenticatedVolume volume;
        private final Path image;
        private final AuthenticatedLayout layout;
        private final Set<Long> marked = new ConcurrentSkipListSet<>();
        final AtomicInteger tampered = new AtomicInteger();

        TamperOnCue(AuthenticatedVolume volume, Path image, AuthenticatedLayout layout) {
            this.volume = volume;
            this.image = image;
            this.layout = layout;
        }

        private void watch(long offset, ByteBuffer src) throws IOException {
            if (offset == size() - 4096 && startsWith(src, src.position(), "tamper".getBytes(StandardCharsets.US_ASCII))) {
                try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
                    for (long block : marked) {
                        long at = layout.dataOffset() + block * 4096 + 100;
                        f.seek(at);
                        int b = f.read();
                        f.seek(at);
                        f.write(b ^ 0x40);
                        tampered.incrementAndGet();
                    }
                }
                return;
            }
            for (int p = src.position(); p + 4096 <= src.limit(); p += 4096) {
                long block = (offset + p - src.position()) / 4096;
                if ((offset + p - src.position()) % 4096 == 0 && (startsWith(src, p, VICTIM) || contains(src, p, DIR_ENTRY))) {
                    marked.add(block);

                }
            }
        }

        private static boolean startsWith(ByteBuffer b, int at, byte[] prefix) {
            if (at + prefix.length > b.limit()) {
                return false;
            }
            for (int i = 0; i < prefix.length; i++) {
                if (b.get(at + i) != prefix[i]) {
                    return false;
                }
            }
            return true;
        }

        private static boolean contains(ByteBuffer b, int at, byte[] needle) {
            for (int i = at; i + needle.length <= at + 4096; i++) {
                if (startsWith(b, i, needle)) {
                    return true;
                }
            }
            return false;
        }

        @Override public long size() { return volume.size(); }
        @Override public int blockSize() { return volume.blockSize(); }
        @Override public boolean isReadOnly() { return false; }
        @Override public boolean canTrim() { return volume.canTrim(); }
        @Override public void read(long offset, ByteBuffer dst) throws IOException { volume.read(offset, dst); }
        @Override public void write(long offset, ByteBuffer src) throws IOException { watch(offset, src); volume.write(offset, src); }
        @Override public void writeConsuming(long offset, ByteBuffer src) throws IOException { watch(offset, src); volume.writeConsuming(offset, src); }
        @Override public boolean prefersHeapWrites() { return true; }
        @Override public void flush() throws IOException { volume.flush(); }
        @Override public void trim(long offset, long length) throws IOException { volume.trim(offset, length); }
        @Override public void writeZeroes(long o, long l, boolean t) throws IOException { volume.writeZeroes(o, l, t); }
        @Override public void close() throws IOException { volume.close(); }
    }
}
