package io.nbdcrypt.kernel.dm;

import java.util.EnumSet;
import java.util.Set;

/**
 * How to map a volume: read-only or not, and the flag words of the table
 * ({@link CryptOption#ALLOW_DISCARDS}, {@link CryptOption#NO_READ_WORKQUEUE},
 * {@link CryptOption#NO_WRITE_WORKQUEUE} are the ones the commands offer). No secrets.
 */
public record DmCryptOptions(boolean readOnly, Set<CryptOption> options) {
    public DmCryptOptions {
        options = options.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(options));
    }

    /** Read-write, no flags: what {@code cryptsetup open} does without options. */
    public static DmCryptOptions defaults() {
        return new DmCryptOptions(false, Set.of());
    }
}
