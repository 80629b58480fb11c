package io.nbdcrypt.crypto.kdf;

/**
 * Cost parameters of a password KDF, without the salt or any secret. Value types: equal
 * parameters compare equal.
 */
public sealed interface KdfParameters permits KdfParameters.Pbkdf2, KdfParameters.Argon2 {

    /** The LUKS2 JSON {@code kdf.type}: {@code pbkdf2}, {@code argon2i} or {@code argon2id}. */
    String type();

    /**
     * PBKDF2-HMAC with {@code hash} and {@code iterations} (&ge; 1).
     */
    record Pbkdf2(HashAlgorithm hash, int iterations) implements KdfParameters {
        public Pbkdf2 {
            if (iterations < 1) {
                throw new IllegalArgumentException("pbkdf2 iterations must be >= 1, got " + iterations);
            }
        }

        @Override
        public String type() {
            return "pbkdf2";
        }
    }

    /**
     * Argon2 (version 0x13, as cryptsetup uses) with time cost {@code time}, memory in KiB and
     * {@code parallelism} lanes (cryptsetup's {@code cpus}).
     */
    record Argon2(Argon2Type variant, int time, int memoryKiB, int parallelism) implements KdfParameters {
        public Argon2 {
            if (time < 1 || parallelism < 1 || parallelism > 0xffffff || memoryKiB < 8 * parallelism) {
                throw new IllegalArgumentException("argon2 needs time >= 1, 1 <= cpus <= 2^24-1 and memory >= 8 KiB per cpu; got time "
                        + time + ", memory " + memoryKiB + ", cpus " + parallelism);
            }
        }

        @Override
        public String type() {
            return variant.luksName();
        }
    }

    /** The two Argon2 variants LUKS2 allows. */
    enum Argon2Type {
        ARGON2I("argon2i"),
        ARGON2ID("argon2id");

        private final String luksName;

        Argon2Type(String luksName) {
            this.luksName = luksName;
        }

        public String luksName() {
            return luksName;
        }

        /** @throws IllegalArgumentException for names other than argon2i/argon2id */
        public static Argon2Type byName(String name) {
            for (Argon2Type t : values()) {
                if (t.luksName.equals(name)) {
                    return t;
                }
            }
            throw new IllegalArgumentException("unsupported argon2 variant '" + name + "' (supported: argon2i, argon2id)");
        }
    }
}
