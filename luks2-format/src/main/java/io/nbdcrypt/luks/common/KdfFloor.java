package io.nbdcrypt.luks.common;

import io.nbdcrypt.crypto.kdf.KdfBenchmark;

/**
 * The weakest and the most expensive KDF costs a header may ask for. Below the floor a
 * host could make our keyslots trivially brute-forceable; above the ceiling it could make an
 * unlock exhaust memory or time.
 */
public final class KdfFloor {
    /** cryptsetup's own minimum for PBKDF2 (keyslots and digests). */
    public static final int PBKDF2_MIN_ITERATIONS = KdfBenchmark.PBKDF2_MIN_ITERATIONS;
    /** Argon2 passes: at least 1 (cryptsetup formats with at least 4 but opens 1). */
    public static final int ARGON2_MIN_TIME = 1;
    /** Argon2 memory floor in KiB (cryptsetup's minimum). */
    public static final int ARGON2_MIN_MEMORY_KIB = KdfBenchmark.ARGON2_MIN_MEMORY_KIB;
    /** Argon2 memory ceiling in KiB: 4 GiB, cryptsetup's maximum. */
    public static final int ARGON2_MAX_MEMORY_KIB = 4 * 1024 * 1024;
    /** Argon2 lanes: cryptsetup uses at most 4 by default and accepts up to this. */
    public static final int ARGON2_MAX_CPUS = 16;
    /** Argon2 passes ceiling, against a header that would make unlock run for hours. */
    public static final int ARGON2_MAX_TIME = 10_000;

    private KdfFloor() {}
}
