package io.nbdcrypt.block.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AuthenticatedLayoutTest {
    private static final long TIB = 1L << 40;

    @Test
    void constants_leafAndInnerFanout_fillA4096ByteNode() {
        assertEquals(169, AuthenticatedLayout.LEAF_FANOUT);
        assertEquals(509, AuthenticatedLayout.INNER_FANOUT);
        assertTrue(169 * 24 + 24 <= 4096 && 509 * 8 + 24 <= 4096);
    }

    /** 1 TiB of 4096-byte sectors: 1.59 M leaves, 3121 nodes above, whose nonces are the root. */
    @Test
    void oneTebibyte_twoStoredLevels_overheadUnderSixTenthsOfAPercent() {
        AuthenticatedLayout l = new AuthenticatedLayout(4096, 0, TIB / 4096, TIB);
        assertEquals(2, l.levels());
        assertEquals((TIB / 4096 + 168) / 169, l.nodesAt(0));
        assertEquals((l.nodesAt(0) + 508) / 509, l.nodesAt(1));
        assertEquals(l.nodesAt(1), l.rootEntries());
        assertEquals((l.nodesAt(0) + l.nodesAt(1)) * 4096, l.metadataBytes());
        assertTrue(l.overheadPercent() > 0.59 && l.overheadPercent() < 0.60, "overhead " + l.overheadPercent());
    }

    /** fit: the largest sector count whose data and metadata fit; one more would not. */
    @Test
    void fit_variousSizes_largestThatFits() {
        for (long bytes : new long[] {1L << 20, 3L << 30, 1000L * 4096 + 77, TIB + 12345}) {
            for (int sectorSize : new int[] {512, 4096}) {
                AuthenticatedLayout l = AuthenticatedLayout.fit(4096, bytes, sectorSize);
                long used = l.dataBytes() + l.metadataBytes();
                assertTrue(used <= bytes, bytes + ": " + used);
                long more = (l.dataSectors() + 1) * sectorSize + AuthenticatedLayout.metadataBytes(l.dataSectors() + 1);
                assertTrue(more > bytes, bytes + " would hold " + (l.dataSectors() + 1) + " sectors");
                assertEquals(4096 + l.dataBytes(), l.metadataOffset());
            }
        }
        assertThrows(IllegalArgumentException.class, () -> AuthenticatedLayout.fit(0, 4096, 4096));
    }

    /** Every node of a three-level tree has its own 4096-byte place inside the metadata region. */
    @Test
    void nodeOffset_threeLevels_distinctAndInsideRegion() {
        long sectors = 169L * 509 * 4097; // a top level just above the root's 4096 entries
        AuthenticatedLayout l = new AuthenticatedLayout(512, 0, sectors, sectors * 512);
        assertEquals(3, l.levels());
        Set<Long> seen = new HashSet<>();
        for (int level = 0; level < 3; level++) {
            for (long i : new long[] {0, 1, l.nodesAt(level) - 1}) {
                long at = l.nodeOffset(level, i);
                assertTrue(at >= l.metadataOffset() && at + 4096 <= l.metadataOffset() + l.metadataBytes());
                assertTrue(seen.add(at));
            }
        }
    }

    @Test
    void constructor_overlapOrBadSectorSize_refusedNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new AuthenticatedLayout(4096, 0, 1000, 4096));
        assertTrue(e.getMessage().contains("overlaps"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new AuthenticatedLayout(3000, 0, 10, 1 << 20));
        assertThrows(IllegalArgumentException.class, () -> new AuthenticatedLayout(4096, 0, 0, 1 << 20));
    }
}
