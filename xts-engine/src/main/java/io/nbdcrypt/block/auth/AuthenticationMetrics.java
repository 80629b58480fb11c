package io.nbdcrypt.block.auth;

/**
 * What an authenticated volume has seen so far, for logs, tests and a metrics endpoint.
 *
 * @param sectorFailures     requests refused because a data sector failed verification
 * @param metadataFailures   requests refused because a tree node failed verification
 * @param cacheHits          tree-node lookups answered from memory
 * @param cacheMisses        lookups that loaded a node (or made a never-written one)
 * @param nodeLoads          nodes read from the disk and verified
 * @param nodeWriteBacks     dirty nodes sealed and written (on eviction or flush)
 * @param residentNodes      nodes in the cache now
 * @param residentBytes      their weight: what {@code --metadata-cache} bounds
 * @param cacheLimitBytes    that bound
 * @param sectorsWritten     sectors encrypted so far (the data nonces used)
 */
public record AuthenticationMetrics(long sectorFailures, long metadataFailures, long cacheHits, long cacheMisses,
        long nodeLoads, long nodeWriteBacks, long residentNodes, long residentBytes, long cacheLimitBytes,
        long sectorsWritten) {

    /** Hits over all lookups (1 before the first lookup). */
    public double cacheHitRate() {
        long all = cacheHits + cacheMisses;
        return all == 0 ? 1.0 : (double) cacheHits / all;
    }

    /** One line for a log. */
    public String summary() {
        return String.format(java.util.Locale.ROOT,
                "authentication failures: %d sector, %d metadata; metadata cache: %.1f%% hits, %d loads, %d write-backs, "
                        + "%d nodes (%d of %d KiB)",
                sectorFailures, metadataFailures, 100 * cacheHitRate(), nodeLoads, nodeWriteBacks, residentNodes,
                residentBytes / 1024, cacheLimitBytes / 1024);
    }
}
