package io.nbdcrypt.linux;

/**
 * A device number, {@code major:minor}, as the kernel prints it in tables and {@code /proc}.
 *
 * <p>{@link #decode(long)} reads the 64-bit encodings the kernel hands to user space (a
 * {@code stat} {@code st_rdev}, the {@code dev} field of {@code struct dm_ioctl}): both use
 * the layout glibc's {@code makedev} produces (minor low byte, 12 major bits, then the high
 * minor and major bits), so one decoder serves both.
 */
public record DeviceNumber(long major, long minor) {
    public DeviceNumber {
        if (major < 0 || major > 0xffffffffL || minor < 0 || minor > 0xffffffffL) {
            throw new IllegalArgumentException("device number " + major + ":" + minor + " out of range");
        }
    }

    /** glibc's {@code major()} and {@code minor()} of {@code dev}. */
    public static DeviceNumber decode(long dev) {
        long major = ((dev >>> 8) & 0xfffL) | ((dev >>> 32) & 0xfffff000L);
        long minor = (dev & 0xffL) | ((dev >>> 12) & 0xffffff00L);
        return new DeviceNumber(major, minor);
    }

    /** glibc's {@code makedev(major, minor)}, the form {@code mknod} takes. */
    public long encode() {
        return ((major & 0xfffff000L) << 32) | ((major & 0xfffL) << 8) | ((minor & 0xffffff00L) << 12) | (minor & 0xffL);
    }

    /**
     * Parses {@code "254:16"}.
     *
     * @throws IllegalArgumentException if it is not two decimal numbers joined by a colon
     */
    public static DeviceNumber parse(String text) {
        int colon = text.indexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("not a device number major:minor: '" + text + "'");
        }
        try {
            return new DeviceNumber(Long.parseLong(text.substring(0, colon)), Long.parseLong(text.substring(colon + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a device number major:minor: '" + text + "'", e);
        }
    }

    @Override
    public String toString() {
        return major + ":" + minor;
    }
}
