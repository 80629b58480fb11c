package io.nbdcrypt.luks2.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nbdcrypt.block.BlockDevice;
import io.nbdcrypt.block.EncryptedVolume;
import io.nbdcrypt.block.FileBlockDevice;
import io.nbdcrypt.crypto.Passphrase;
import io.nbdcrypt.crypto.VolumeKey;
import io.nbdcrypt.luks.common.HeaderLocation;
import io.nbdcrypt.luks2.Luks2Volume;
import io.nbdcrypt.luks2.segment.Segment;
import io.nbdcrypt.testsupport.TestFiles;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The data path against an independent implementation on a sparse 3 TiB cryptsetup volume,
 * on both sides of sector 2^32 (2 TiB of 512-byte units), where plain64 and plain differ and
 * where a 32-bit IV bug would show.
 */
class LargeVolumeIvTest {
    private static final long TIB = 1L << 40;
    private static final long BOUNDARY = (1L << 32) * 512;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}, {1}-byte sectors")
    @CsvSource({"aes-xts-plain64, 4096", "aes-xts-plain64, 512", "aes-xts-plain, 4096"})
    void dataVolume_acrossSector2pow32_matchesPythonXtsBothWays(String cipher, int sectorSize) throws Exception {
        Path img = TestFiles.sparse(dir.resolve("big.img"), 3 * TIB);
        Path key = Files.write(dir.resolve("key"), "big volume".getBytes());
        Cryptsetup.format(img, key, CryptsetupToNbdcryptTest.concat(Cryptsetup.FAST_PBKDF2,
                List.of("--type", "luks2", "--cipher", cipher, "--sector-size", Integer.toString(sectorSize))));
        byte[] vk = Cryptsetup.volumeKey(img, key, List.of());
        String ivMode = cipher.endsWith("plain64") ? "plain64" : "plain";
        SecureRandom rnd = new SecureRandom();
        long[] offsets = {0, BOUNDARY - 2L * sectorSize, BOUNDARY, BOUNDARY + 7L * sectorSize};
        try (BlockDevice dev = FileBlockDevice.open(img, false);
                Passphrase pass = Passphrase.copyOf(Files.readAllBytes(key))) {
            Luks2Volume v = Luks2Volume.open(dev, HeaderLocation.ON_DATA_DEVICE);
            Segment seg = v.header().dataSegment();
            try (VolumeKey k = v.unlock(pass, OptionalInt.empty()).volumeKey()) {
                EncryptedVolume ev = v.dataVolume(dev, k);
                assertEquals(3 * TIB - seg.offset(), ev.size());
                for (long off : offsets) {
                    // Python writes (spanning the boundary when off = BOUNDARY - 2 sectors), we read.
                    byte[] plain = new byte[4 * sectorSize];
                    rnd.nextBytes(plain);
                    PythonXts.encrypt(img, vk, seg.offset(), sectorSize, seg.ivTweak(), off, plain, ivMode);
                    ByteBuffer got = ByteBuffer.allocate(plain.length);
                    ev.read(off, got);
                    assertArrayEquals(plain, got.array(), "read at " + off);
                    // We write (unaligned head, to exercise read-modify-write), Python reads.
                    byte[] mine = new byte[3 * sectorSize];
                    rnd.nextBytes(mine);
                    ev.write(off + 100, ByteBuffer.wrap(mine));
                    ev.flush();
                    byte[] back = PythonXts.decrypt(img, vk, seg.offset(), sectorSize, seg.ivTweak(), off, 4 * sectorSize, ivMode);
                    byte[] expect = plain.clone();
                    System.arraycopy(mine, 0, expect, 100, mine.length);
                    assertArrayEquals(expect, back, "written at " + off);
                }
            }
        }
    }
}
