package io.nbdcrypt.block;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nbdcrypt.crypto.SecretBytes;
import io.nbdcrypt.testsupport.TestFiles;
import io.nbdcrypt.xts.IvMode;
import io.nbdcrypt.xts.IvRule;
import io.nbdcrypt.xts.SectorCipher;
import io.nbdcrypt.xts.XtsCipher;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link BlockDevice#extents}: holes of a sparse image as the file system reports them, and
 * through an encrypted volume, where only sectors whose ciphertext lies wholly in a hole are
 * holes. Expected layouts are written down from what each test wrote, in bytes.
 */
class ExtentsTest {
    private static final int KIB = 1024;
    private static final int MIB = 1 << 20;

    @TempDir Path dir;

    private static Extent hole(long from, long to) {
        return new Extent(from, to - from, true);
    }

    private static Extent data(long from, long to) {
        return new Extent(from, to - from, false);
    }

    private Path sparse(long size) throws IOException {
        return TestFiles.sparse(dir.resolve("img"), size);
    }

    private static void fill(BlockDevice d, long offset, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        for (int i = 0; i < length; i++) {
            b.put(i, (byte) (i * 31 + 7));
        }
        d.write(offset, b);
    }

    @Test
    void fileBlockDevice_writtenAndPunchedRanges_reportedAsTheFileSystemHasThem() throws IOException {
        Path img = sparse(8 * MIB);
        try (FileBlockDevice d = FileBlockDevice.open(img, false)) {
            fill(d, MIB, 4 * KIB);
            fill(d, 3 * MIB, 16 * KIB);
            d.trim(3 * MIB + 4 * KIB, 8 * KIB);   // punched back into a hole
            List<Extent> expected = List.of(hole(0, MIB), data(MIB, MIB + 4 * KIB), hole(MIB + 4 * KIB, 3 * MIB),
                    data(3 * MIB, 3 * MIB + 4 * KIB), hole(3 * MIB + 4 * KIB, 3 * MIB + 12 * KIB),
                    data(3 * MIB + 12 * KIB, 3 * MIB + 16 * KIB), hole(3 * MIB + 16 * KIB, 8 * MIB));
            assertEquals(expected, d.extents(0, 8 * MIB, 100));
            assertEquals(expected.subList(0, 2), d.extents(0, 8 * MIB, 2), "at most maxExtents, from the start");
            // An unaligned query is cut to itself.
            assertEquals(List.of(hole(MIB - 100, MIB), data(MIB, MIB + 100)), d.extents(MIB - 100, 200, 100));
        }
        try (FileBlockDevice readOnly = FileBlockDevice.open(img, true)) {
            assertEquals(List.of(hole(0, MIB), data(MIB, MIB + 4 * KIB)), readOnly.extents(0, MIB + 4 * KIB, 100));
        }
    }

    @Test
    void encryptedVolume_sectorsWrittenAcrossABoundary_areDataTheRestHoles() throws IOException {
        long dataOffset = 64 * KIB;
        int sector = 4096;
        Path img = sparse(dataOffset + 8 * MIB);
        XtsCipher xts = XtsCipher.create(SecretBytes.random(64, new SecureRandom()));
        try (EncryptedVolume v = new EncryptedVolume(FileBlockDevice.open(img, false), dataOffset, 8 * MIB,
                new SectorCipher(xts, sector, IvRule.dmCrypt(IvMode.PLAIN64, 0)))) {
            fill(v, 10L * sector + 100, 5000);   // straddles sectors 10 and 11
            fill(v, 100L * sector, 3 * sector);
            v.trim(101L * sector, sector);        // sector 101 punched again
            assertEquals(List.of(hole(0, 10L * sector), data(10L * sector, 12L * sector), hole(12L * sector, 100L * sector),
                    data(100L * sector, 101L * sector), hole(101L * sector, 102L * sector),
                    data(102L * sector, 103L * sector), hole(103L * sector, 8 * MIB)), v.extents(0, 8 * MIB, 100));
            // Queries that start and end inside sectors report those sectors' kind for their bytes.
            assertEquals(List.of(hole(10L * sector - 10, 10L * sector), data(10L * sector, 11L * sector + 1)),
                    v.extents(10L * sector - 10, sector + 11, 100));
            assertEquals(List.of(hole(101L * sector + 5, 101L * sector + 6)), v.extents(101L * sector + 5, 1, 1));
        }
    }

    /** A backing whose holes do not fall on sector boundaries: partly-hole sectors are data. */
    @Test
    void ciphertextHoles_backingHolesCoveringPartsOfSectors_onlyWholeSectorsAreHoles() throws IOException {
        int sector = 4096;
        long dataOffset = 512;
        BlockDevice backing = new FakeBacking(List.of(hole(0, dataOffset + 6000), data(dataOffset + 6000, dataOffset + 9000),
                hole(dataOffset + 9000, dataOffset + 20480)), dataOffset + 20480);
        assertEquals(List.of(hole(0, 4096), data(4096, 12288), hole(12288, 20480)),
                CiphertextHoles.of(backing, dataOffset, sector, 0, 20480, 100));
        assertEquals(List.of(data(5000, 12288), hole(12288, 13000)),
                CiphertextHoles.of(backing, dataOffset, sector, 5000, 8000, 100));
    }

    /** Reports a fixed layout (clipped to the query); reads and writes are not used. */
    private record FakeBacking(List<Extent> layout, long size) implements BlockDevice {
        @Override public int blockSize() { return 512; }
        @Override public boolean isReadOnly() { return true; }
        @Override public boolean canTrim() { return false; }
        @Override public void read(long offset, ByteBuffer dst) { throw new AssertionError("not used"); }
        @Override public void write(long offset, ByteBuffer src) { throw new AssertionError("not used"); }
        @Override public void flush() {}
        @Override public void trim(long offset, long length) {}
        @Override public void writeZeroes(long offset, long length, boolean mayTrim) {}
        @Override public void close() {}

        @Override
        public List<Extent> extents(long offset, long length, int maxExtents) {
            return layout.stream()
                    .filter(e -> e.end() > offset && e.offset() < offset + length)
                    .map(e -> new Extent(Math.max(e.offset(), offset),
                            Math.min(e.end(), offset + length) - Math.max(e.offset(), offset), e.hole()))
                    .limit(maxExtents)
                    .toList();
        }
    }
}
