package io.nbdcrypt.crypto.kdf;

import io.nbdcrypt.crypto.Passphrase;

/**
 * Picks KDF costs that take about a target time on this machine, the way cryptsetup's
 * {@code --iter-time} does: measure a small run, scale linearly, never go below the floor.
 *
 * <p>Timing is noisy (shared machines); the result is a cost, not a promise. Floors follow
 * cryptsetup: PBKDF2 at least 1000 iterations, Argon2 at least 4 passes.
 */
public final class KdfBenchmark {
    /** cryptsetup's minimum PBKDF2 iteration count. */
    public static final int PBKDF2_MIN_ITERATIONS = 1000;
    /** cryptsetup's minimum Argon2 time cost. */
    public static final int ARGON2_MIN_TIME = 4;
    /** cryptsetup's minimum Argon2 memory (KiB). */
    public static final int ARGON2_MIN_MEMORY_KIB = 32;

    private KdfBenchmark() {}

    /** PBKDF2 iterations that take about {@code targetMillis} for a {@code keyLength}-byte key. */
    public static KdfParameters.Pbkdf2 pbkdf2(HashAlgorithm hash, long targetMillis, int keyLength) {
        int probe = 20_000;
        long elapsed = 0;
        // Grow the probe until it is long enough to time (>= 50 ms) or clearly sufficient.
        while (true) {
            elapsed = timeNanos(new KdfParameters.Pbkdf2(hash, probe), keyLength);
            if (elapsed >= 50_000_000L || probe >= 1 << 28) {
                break;
            }
            probe *= 4;
        }
        double perMs = probe / (elapsed / 1e6);
        long iterations = (long) (perMs * targetMillis);
        int it = (int) Math.max(PBKDF2_MIN_ITERATIONS, Math.min(Integer.MAX_VALUE, iterations));
        return new KdfParameters.Pbkdf2(hash, it);
    }

    /**
     * Argon2 costs for about {@code targetMillis}: memory {@code memoryKiB} unless even the
     * minimum time cost is too slow, in which case memory shrinks (not below 32 KiB).
     *
     * <p>Measured the way cryptsetup does, on small costs first: after a warm-up (so the JIT's
     * first compilation is not timed), the memory of the probe grows from 16 MiB until one run
     * takes 100 ms or the memory is the one asked for; the cost is then scaled linearly. The
     * whole benchmark stays a fraction of the target time instead of running the full cost.
     */
    public static KdfParameters.Argon2 argon2(KdfParameters.Argon2Type type, long targetMillis, int memoryKiB, int parallelism) {
        int mem = Math.max(Math.max(memoryKiB, ARGON2_MIN_MEMORY_KIB), 8 * parallelism);
        timeNanos(new KdfParameters.Argon2(type, 1, Math.max(1024, 8 * parallelism), parallelism), 32);
        int probeMem = Math.min(mem, Math.max(16 << 10, 8 * parallelism));
        double ms;
        while (true) {
            ms = timeNanos(new KdfParameters.Argon2(type, ARGON2_MIN_TIME, probeMem, parallelism), 32) / 1e6;
            if (ms >= 100 || probeMem == mem) {
                break;
            }
            probeMem = (int) Math.min(mem, probeMem * 4L);
        }
        // Argon2's work is passes times memory: the full memory at the minimum passes would take this long.
        double full = Math.max(ms, 0.001) * ((double) mem / probeMem);
        if (full > targetMillis) {
            int smaller = (int) Math.max(ARGON2_MIN_MEMORY_KIB, mem * (targetMillis / full));
            return new KdfParameters.Argon2(type, ARGON2_MIN_TIME, Math.max(smaller, 8 * parallelism), parallelism);
        }
        long time = (long) (ARGON2_MIN_TIME * (targetMillis / full));
        int t = (int) Math.max(ARGON2_MIN_TIME, Math.min(1_000_000, time));
        return new KdfParameters.Argon2(type, t, mem, parallelism);
    }

    private static long timeNanos(KdfParameters p, int keyLength) {
        byte[] salt = new byte[32];
        try (Passphrase pw = Passphrase.copyOf(new byte[] {'b', 'e', 'n', 'c', 'h'})) {
            long t0 = System.nanoTime();
            PasswordKdf.derive(p, pw, salt, keyLength).close();
            return Math.max(1, System.nanoTime() - t0);
        }
    }
}
