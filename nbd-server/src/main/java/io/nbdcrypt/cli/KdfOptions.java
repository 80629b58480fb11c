package io.nbdcrypt.cli;

import io.nbdcrypt.crypto.kdf.HashAlgorithm;
import io.nbdcrypt.crypto.kdf.KdfBenchmark;
import io.nbdcrypt.crypto.kdf.KdfParameters;
import io.nbdcrypt.luks.common.KdfFloor;
import picocli.CommandLine.Option;

/**
 * KDF choices for new keyslots, as cryptsetup spells them. Without
 * {@code --pbkdf-force-iterations} the cost is benchmarked to {@code --iter-time}.
 */
final class KdfOptions {
    @Option(names = "--pbkdf", defaultValue = "argon2id", paramLabel = "KDF",
            description = "argon2id (default), argon2i or pbkdf2.")
    String pbkdf;

    @Option(names = {"-i", "--iter-time"}, paramLabel = "MS", defaultValue = "2000",
            description = "Target unlock time in milliseconds (default ${DEFAULT-VALUE}).")
    long iterTime;

    @Option(names = "--pbkdf-force-iterations", paramLabel = "N",
            description = "Fixed cost instead of a benchmark: PBKDF2 iterations (>= 1000) or Argon2 passes (>= 4).")
    Integer forceIterations;

    @Option(names = "--pbkdf-memory", paramLabel = "KiB",
            description = "Argon2 memory in KiB (default 1048576, capped at half the Java heap).")
    Integer memory;

    @Option(names = "--pbkdf-parallel", paramLabel = "N", description = "Argon2 lanes (default: CPUs, at most 4).")
    Integer parallel;

    @Option(names = "--hash", defaultValue = "sha256", paramLabel = "HASH",
            description = "Hash for PBKDF2, the AF splitter and the digest: sha1, sha256 (default), sha512.")
    String hash;

    HashAlgorithm hashAlgorithm() {
        return HashAlgorithm.byName(hash);
    }

    /**
     * Checks the options without running any KDF, so that a wrong one is reported before a
     * benchmark or an unlock spends seconds.
     *
     * @throws IllegalArgumentException naming the option
     */
    void validate() {
        hashAlgorithm();
        parametersWithoutBenchmark();
    }

    /** The parameters for a new keyslot (benchmarks if not forced). */
    KdfParameters parameters(int keyBytes) {
        KdfParameters forced = parametersWithoutBenchmark();
        if (forced != null) {
            return forced;
        }
        if (pbkdf.equals("pbkdf2")) {
            return KdfBenchmark.pbkdf2(hashAlgorithm(), iterTime, keyBytes);
        }
        int mem = argon2Memory();
        return KdfBenchmark.argon2(KdfParameters.Argon2Type.byName(pbkdf), iterTime, mem, argon2Lanes(mem));
    }

    /** The forced parameters, or null when they are to be benchmarked; checks every option on the way. */
    private KdfParameters parametersWithoutBenchmark() {
        if (iterTime <= 0) {
            throw new IllegalArgumentException("--iter-time must be positive");
        }
        switch (pbkdf) {
            case "pbkdf2" -> {
                if (forceIterations != null) {
                    if (forceIterations < KdfBenchmark.PBKDF2_MIN_ITERATIONS) {
                        throw new IllegalArgumentException("--pbkdf-force-iterations must be at least 1000 for pbkdf2");
                    }
                    return new KdfParameters.Pbkdf2(hashAlgorithm(), forceIterations);
                }
                return null;
            }
            case "argon2i", "argon2id" -> {
                KdfParameters.Argon2Type type = KdfParameters.Argon2Type.byName(pbkdf);
                int mem = argon2Memory();
                int lanes = argon2Lanes(mem);
                if (forceIterations != null) {
                    if (forceIterations < KdfBenchmark.ARGON2_MIN_TIME) {
                        throw new IllegalArgumentException("--pbkdf-force-iterations must be at least 4 for argon2");
                    }
                    return new KdfParameters.Argon2(type, forceIterations, mem, lanes);
                }
                return null;
            }
            default -> throw new IllegalArgumentException("--pbkdf must be argon2id, argon2i or pbkdf2, not '" + pbkdf + "'");
        }
    }

    private int argon2Memory() {
        long heapKiB = Runtime.getRuntime().maxMemory() / 2 / 1024;
        int mem = memory != null ? memory : (int) Math.min(1 << 20, heapKiB);
        if (mem < KdfFloor.ARGON2_MIN_MEMORY_KIB || mem > KdfFloor.ARGON2_MAX_MEMORY_KIB) {
            throw new IllegalArgumentException("--pbkdf-memory must be " + KdfFloor.ARGON2_MIN_MEMORY_KIB + ".."
                    + KdfFloor.ARGON2_MAX_MEMORY_KIB + " KiB");
        }
        return mem;
    }

    private int argon2Lanes(int mem) {
        int lanes = parallel != null ? parallel : Math.min(4, Runtime.getRuntime().availableProcessors());
        if (lanes < 1 || lanes > KdfFloor.ARGON2_MAX_CPUS || mem < 8 * lanes) {
            throw new IllegalArgumentException("--pbkdf-parallel must be 1.." + KdfFloor.ARGON2_MAX_CPUS
                    + " with at least 8 KiB memory per lane");
        }
        return lanes;
    }

    /** PBKDF2 iterations for the volume-key digest: 1000 when costs are forced (tests), else ~125 ms. */
    int digestIterations(int keyBytes) {
        if (forceIterations != null) {
            return KdfBenchmark.PBKDF2_MIN_ITERATIONS;
        }
        return KdfBenchmark.pbkdf2(hashAlgorithm(), 125, keyBytes).iterations();
    }
}
