package io.nbdcrypt.block.auth;

/**
 * Where an authenticated volume's data and hash tree lie on the raw device, and the shape of
 * the tree. No secrets: two volumes of the same size have the same layout.
 *
 * <p>Data: {@code dataSectors} sectors of {@code sectorSize} bytes from {@code dataOffset}.
 * Metadata: the stored levels of the tree, from {@code metadataOffset}, one {@value #NODE_BYTES}-byte
 * node after another, level 0 (the leaves) first. A leaf holds the side data of
 * {@value #LEAF_FANOUT} sectors (nonce and GCM tag, {@value #RECORD_BYTES} bytes each); a node
 * above holds the nonces of {@value #INNER_FANOUT} children. The top stored level has at most
 * {@value #ROOT_MAX} nodes, whose nonces form the root, which lives only in memory. Each stored
 * node ends in a {@value #TRAILER_BYTES}-byte trailer (its nonce, for diagnosis, and its GCM tag).
 *
 * <p>Overhead: one 4096-byte leaf per 169 sectors, i.e. 0.59% of the data at 4096-byte sectors
 * (4.7% at 512), plus 0.2% of that for the levels above.
 *
 * @throws IllegalArgumentException from the constructor for a bad sector size, no sectors,
 *         negative offsets or overlapping regions
 */
public record AuthenticatedLayout(int sectorSize, long dataOffset, long dataSectors, long metadataOffset) {
    public static final int NODE_BYTES = 4096;
    public static final int TRAILER_BYTES = 24;
    /** Bytes of a node before its trailer: what is encrypted and authenticated. */
    public static final int PAYLOAD_BYTES = NODE_BYTES - TRAILER_BYTES;
    /** Side data of one sector in a leaf: its GCM nonce counter (8 bytes) and tag (16). */
    public static final int RECORD_BYTES = GcmSectorTransform.SIDE_BYTES;
    public static final int LEAF_FANOUT = PAYLOAD_BYTES / RECORD_BYTES;
    public static final int INNER_FANOUT = PAYLOAD_BYTES / 8;
    /** Most nonces the in-memory root holds (32 KiB). */
    public static final int ROOT_MAX = 4096;

    public AuthenticatedLayout {
        if (sectorSize < 512 || sectorSize > 4096 || Integer.bitCount(sectorSize) != 1) {
            throw new IllegalArgumentException("sector size must be 512, 1024, 2048 or 4096, got " + sectorSize);
        }
        if (dataSectors <= 0 || dataOffset < 0 || metadataOffset < 0 || dataOffset % sectorSize != 0
                || metadataOffset % 512 != 0) {
            throw new IllegalArgumentException("bad layout: " + dataSectors + " sectors at " + dataOffset
                    + ", metadata at " + metadataOffset);
        }
        long dataEnd = Math.addExact(dataOffset, Math.multiplyExact(dataSectors, sectorSize));
        long metadataEnd = Math.addExact(metadataOffset, metadataBytes(dataSectors));
        if (metadataOffset < dataEnd && dataOffset < metadataEnd) {
            throw new IllegalArgumentException("metadata [" + metadataOffset + ", " + metadataEnd + ") overlaps data ["
                    + dataOffset + ", " + dataEnd + ")");
        }
    }

    /**
     * The largest layout in {@code [offset, offset + bytes)} of a device: data from
     * {@code offset}, the metadata right after it.
     *
     * @throws IllegalArgumentException if not even one sector and its metadata fit
     */
    public static AuthenticatedLayout fit(long offset, long bytes, int sectorSize) {
        // Data plus metadata grows with the sector count: binary search for the largest that fits.
        long lo = 0;
        long hi = bytes / sectorSize;
        while (lo < hi) {
            long mid = lo + (hi - lo + 1) / 2;
            if (mid * sectorSize + metadataBytes(mid) <= bytes) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        long n = lo;
        if (n <= 0) {
            throw new IllegalArgumentException(bytes + " bytes hold no " + sectorSize + "-byte sector with its metadata");
        }
        return new AuthenticatedLayout(sectorSize, offset, n, offset + n * sectorSize);
    }

    /** Bytes of metadata {@code dataSectors} sectors need on the disk. */
    public static long metadataBytes(long dataSectors) {
        long nodes = 0;
        for (long count = leaves(dataSectors); ; count = ceilDiv(count, INNER_FANOUT)) {
            nodes += count;
            if (count <= ROOT_MAX) {
                return nodes * NODE_BYTES;
            }
        }
    }

    public long dataBytes() {
        return dataSectors * sectorSize;
    }

    public long metadataBytes() {
        return metadataBytes(dataSectors);
    }

    /** Number of stored levels (1: the leaves are the root's children). */
    public int levels() {
        int levels = 1;
        for (long count = leaves(dataSectors); count > ROOT_MAX; count = ceilDiv(count, INNER_FANOUT)) {
            levels++;
        }
        return levels;
    }

    /** Nodes at stored level {@code level} (0 = leaves). */
    public long nodesAt(int level) {
        long count = leaves(dataSectors);
        for (int l = 0; l < level; l++) {
            count = ceilDiv(count, INNER_FANOUT);
        }
        return count;
    }

    /** Entries of the in-memory root: the nodes of the top stored level. */
    public int rootEntries() {
        return (int) nodesAt(levels() - 1);
    }

    /** Byte offset on the device of node {@code index} of level {@code level}. */
    public long nodeOffset(int level, long index) {
        long before = 0;
        for (int l = 0; l < level; l++) {
            before += nodesAt(l);
        }
        return metadataOffset + (before + index) * NODE_BYTES;
    }

    /** Children per node of {@code level}: sectors for a leaf, nodes of the level below otherwise. */
    public static int fanout(int level) {
        return level == 0 ? LEAF_FANOUT : INNER_FANOUT;
    }

    /** Metadata as a percentage of the data. */
    public double overheadPercent() {
        return 100.0 * metadataBytes() / dataBytes();
    }

    private static long leaves(long dataSectors) {
        return ceilDiv(dataSectors, LEAF_FANOUT);
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
