package io.nbdcrypt.kernel.dm;

import java.util.Optional;

/**
 * The flag-like optional parameters of a dm-crypt table, in the order cryptsetup writes them
 * (and the kernel prints them), each with the word {@code cryptsetup status} shows under
 * {@code flags:}. Options with a value ({@code sector_size:N}, {@code integrity:...}) are
 * fields of {@link CryptTable}, not flags.
 */
public enum CryptOption {
    /** Pass TRIM down to the disk: the host learns which blocks are free. Off unless asked for. */
    ALLOW_DISCARDS("allow_discards", "discards"),
    SAME_CPU_CRYPT("same_cpu_crypt", "same_cpu_crypt"),
    SUBMIT_FROM_CRYPT_CPUS("submit_from_crypt_cpus", "submit_from_crypt_cpus"),
    /** Decrypt reads in the caller's context instead of a kernel work queue (cryptsetup --perf-no_read_workqueue). */
    NO_READ_WORKQUEUE("no_read_workqueue", "no_read_workqueue"),
    /** Encrypt writes without the work queue (cryptsetup --perf-no_write_workqueue). */
    NO_WRITE_WORKQUEUE("no_write_workqueue", "no_write_workqueue"),
    /** IVs count encryption sectors instead of 512-byte units: never what a LUKS2 segment means. */
    IV_LARGE_SECTORS("iv_large_sectors", "iv_large_sectors"),
    HIGH_PRIORITY("high_priority", "high_priority");

    private final String word;
    private final String statusWord;

    CryptOption(String word, String statusWord) {
        this.word = word;
        this.statusWord = statusWord;
    }

    /** The word in the table, e.g. {@code allow_discards}. */
    public String word() {
        return word;
    }

    /** The word under {@code flags:} in {@code cryptsetup status}, e.g. {@code discards}. */
    public String statusWord() {
        return statusWord;
    }

    static Optional<CryptOption> ofWord(String word) {
        for (CryptOption o : values()) {
            if (o.word.equals(word)) {
                return Optional.of(o);
            }
        }
        return Optional.empty();
    }
}
