package io.nbdcrypt.cli;

import io.nbdcrypt.block.auth.AuthenticatedVolume;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** {@code --authenticated} and {@code --metadata-cache}: shared by {@code serve --ephemeral} and {@code provision}. */
final class AuthenticatedOptions {
    @Option(names = "--authenticated", description = {"Authenticated mode: every sector is AES-256-GCM, checked against a"
            + " hash tree whose root stays in this process's memory, so a host that changes, moves, replays or zeroes"
            + " sectors gets EIO, never wrong data. About 0.6%% of DEVICE holds the tree. NBD only."})
    boolean authenticated;

    @Option(names = "--metadata-cache", paramLabel = "SIZE", defaultValue = "auto",
            description = {"With --authenticated: memory for hash-tree nodes (e.g. 8M, 32M; at least 1M, at most half the"
                    + " Java heap). Default: ${DEFAULT-VALUE}, a third of the heap up to 64M (about 10M under ./nbdcrypt's 32M heap:"
                    + " every leaf of about 1.7 GiB of data; bigger volumes read and write back leaves as they go)."})
    String metadataCache;

    /**
     * The cache bound in bytes.
     *
     * @throws ParameterException naming the option for a size below 1M, above half the heap, or not a size
     */
    long cacheBytes(CommandSpec spec) {
        if (metadataCache.equals("auto")) {
            return AuthenticatedVolume.defaultCacheBytes();
        }
        long bytes;
        try {
            bytes = Sizes.parse(metadataCache, "--metadata-cache");
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        if (bytes < AuthenticatedVolume.MIN_CACHE_BYTES) {
            throw new ParameterException(spec.commandLine(), "--metadata-cache: " + metadataCache + " is below the minimum 1M");
        }
        if (bytes > AuthenticatedVolume.maxCacheBytes()) {
            throw new ParameterException(spec.commandLine(), "--metadata-cache: " + metadataCache + " is more than half of this"
                    + " JVM's " + (Runtime.getRuntime().maxMemory() >> 20) + " MiB heap (-Xmx, e.g. in scripts/jvm/daemon.args)");
        }
        return bytes;
    }
}
