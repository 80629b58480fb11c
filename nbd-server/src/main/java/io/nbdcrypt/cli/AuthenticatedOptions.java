package io.nbdcrypt.cli;

import io.nbdcrypt.block.auth.AuthenticatedVolume;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** {@code --authenticated} and {@code --metadata-cache}: shared by {@code serve --ephemeral} and {@code provision}. */
final class AuthenticatedOptions {
    @Option(names = "--authenticated", description = {"Authenticated mode: every sector is AES-256-GCM, checked against a"
            + " hash tree whose root stays in this process's memory, so a host that changes, moves, replays or zeroes"
            + " sectors gets EIO, never wrong data. About 0.6% of DEVICE holds the tree. NBD only."})
    boolean authenticated;

    @Option(names = "--metadata-cache", paramLabel = "SIZE", defaultValue = "64M",
            description = "With --authenticated: memory for hash-tree nodes (e.g. 16M, 1G; at least 1M). Default: ${DEFAULT-VALUE}.")
    String metadataCache;

    /** The cache bound in bytes. @throws ParameterException naming the option for a size below 1M or not a size */
    long cacheBytes(CommandSpec spec) {
        long bytes;
        try {
            bytes = Sizes.parse(metadataCache, "--metadata-cache");
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        if (bytes < AuthenticatedVolume.MIN_CACHE_BYTES) {
            throw new ParameterException(spec.commandLine(), "--metadata-cache: " + metadataCache + " is below the minimum 1M");
        }
        return bytes;
    }
}
