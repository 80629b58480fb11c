package io.nbdcrypt.luks2.hostile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nbdcrypt.block.BlockDevice;
import io.nbdcrypt.block.EncryptedVolume;
import io.nbdcrypt.block.FileBlockDevice;
import io.nbdcrypt.crypto.Passphrase;
import io.nbdcrypt.crypto.VolumeKey;
import io.nbdcrypt.luks.common.HeaderLocation;
import io.nbdcrypt.luks2.Luks2Volume;
import io.nbdcrypt.luks2.interop.Cryptsetup;
import io.nbdcrypt.luks2.interop.PythonXts;
import io.nbdcrypt.testsupport.TestFiles;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Segment fields cryptsetup only writes during reencryption (a non-zero {@code iv_tweak}, a
 * fixed size), set by editing a cryptsetup header, against the Python reference of dm-crypt's
 * {@code iv_offset} rule.
 */
class SegmentParametersTest {
    @TempDir
    Path dir;

    @Test
    void dataVolume_ivTweakAndFixedSize_matchPythonReference() throws Exception {
        Path img = dir.resolve("t.img");
        TestFiles.sparse(img, 24L << 20);
        Path key = Files.write(dir.resolve("k"), "tweak".getBytes());
        Cryptsetup.format(img, key, List.of("--type", "luks2", "--pbkdf", "pbkdf2", "--pbkdf-force-iterations", "1000",
                "--sector-size", "4096"));
        byte[] vk = Cryptsetup.volumeKey(img, key, List.of());
        MemoryBlockDevice hdr = new MemoryBlockDevice(java.util.Arrays.copyOf(Files.readAllBytes(img), 1 << 20));
        ObjectNode j = HeaderEditor.json(hdr, 0);
        ObjectNode seg = (ObjectNode) j.get("segments").get("0");
        seg.put("iv_tweak", "1000000");
        seg.put("size", Long.toString(2L << 20));
        HeaderEditor.setJson(hdr, j);
        try (var f = java.nio.channels.FileChannel.open(img, java.nio.file.StandardOpenOption.WRITE)) {
            f.write(ByteBuffer.wrap(hdr.bytes, 0, 1 << 20), 0);
        }
        assertEquals(0, Cryptsetup.testPassphrase(img, key, List.of()), "cryptsetup accepts the edited header");
        byte[] plain = new byte[3 * 4096];
        new SecureRandom().nextBytes(plain);
        PythonXts.encrypt(img, vk, 16L << 20, 4096, 1_000_000, 8192, plain, "plain64");
        try (BlockDevice dev = FileBlockDevice.open(img, true);
                Passphrase p = Passphrase.copyOf(Files.readAllBytes(key))) {
            Luks2Volume v = Luks2Volume.open(dev, HeaderLocation.ON_DATA_DEVICE);
            try (VolumeKey k = v.unlock(p, OptionalInt.empty()).volumeKey()) {
                EncryptedVolume ev = v.dataVolume(dev, k);
                assertEquals(2L << 20, ev.size());
                ByteBuffer got = ByteBuffer.allocate(plain.length);
                ev.read(8192, got);
                assertArrayEquals(plain, got.array());
            }
        }
    }
}
