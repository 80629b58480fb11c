package io.nbdcrypt.provision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nbdcrypt.block.FileBlockDevice;
import io.nbdcrypt.crypto.KeyAccess;
import io.nbdcrypt.luks2.interop.Cryptsetup;
import io.nbdcrypt.luks2.interop.PythonXts;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ephemeral volume, judged by cryptsetup and Python's XTS: in memory it writes nothing but
 * ciphertext to the raw device (no LUKS magic anywhere); with a header file, cryptsetup reads
 * that header, its keyslot opens with FILE.key to our key, and that key decrypts the raw device.
 */
class EphemeralVolumeTest {
    @TempDir
    Path dir;

    @Test
    void headerInMemory_rawDeviceGetsCiphertextOnly() throws Exception {
        Path disk = image("mem.img");
        byte[] plain = new byte[8192];
        Arrays.fill(plain, (byte) 'A');
        try (var raw = FileBlockDevice.open(disk, false);
                EphemeralVolume v = EphemeralVolume.create(Optional.empty(), new SecureRandom());
                var data = v.header().dataVolume(raw, v.volumeKey())) {
            data.write(0, ByteBuffer.wrap(plain));
            data.flush();
        }
        byte[] rawBytes = Files.readAllBytes(disk);
        assertFalse(Arrays.equals(plain, Arrays.copyOf(rawBytes, plain.length)), "plaintext on the raw device");
        assertEquals(-1, new String(rawBytes, java.nio.charset.StandardCharsets.ISO_8859_1).indexOf("LUKS\u00ba\u00be"));
        assertTrue(Files.list(dir).count() == 1, "something besides the disk was written");
    }

    @Test
    void headerFile_cryptsetupOpensKeyslotWithKeyFileAndKeyDecryptsTheDisk() throws Exception {
        Path disk = image("disk.img");
        Path header = dir.resolve("hdr.luks");
        byte[] plain = new byte[4096 * 3];
        new SecureRandom().nextBytes(plain);
        byte[] ours;
        try (var raw = FileBlockDevice.open(disk, false);
                EphemeralVolume v = EphemeralVolume.create(Optional.of(header), new SecureRandom());
                var data = v.header().dataVolume(raw, v.volumeKey())) {
            ours = v.volumeKey().copyBytes(KeyAccess.get());
            data.write(4096, ByteBuffer.wrap(plain));
            data.flush();
        }
        Path keyFile = EphemeralVolume.passphraseFileOf(header);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile)));
        assertArrayEquals(ours, Cryptsetup.volumeKey(header, keyFile, List.of()), "cryptsetup's key from FILE.key");
        assertTrue(Cryptsetup.dump(header, List.of()).contains("offset: 0 [bytes]"), "data segment at 0 of the raw disk");
        assertArrayEquals(plain, PythonXts.decrypt(disk, ours, 0, 4096, 0, 4096, plain.length, "plain64"),
                "Python XTS with cryptsetup's key");
    }

    private Path image(String name) throws Exception {
        Path p = dir.resolve(name);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(32L << 20);
        }
        return p;
    }
}
