package io.nbdcrypt.linux;

/**
 * One line of a device-mapper table: {@code <start> <length> <type> <params>}, in 512-byte
 * sectors, as {@code dmsetup table} prints it.
 *
 * @param start  first sector of the mapped device this target covers
 * @param length sectors it covers
 * @param type   the target type, e.g. {@code crypt}, {@code linear}
 * @param params the target's own parameters (never key bytes when read back: see
 *               {@link DeviceMapper#table(String)})
 */
public record DmTarget(long start, long length, String type, String params) {
    public DmTarget {
        if (start < 0 || length <= 0) {
            throw new IllegalArgumentException("target [" + start + ", +" + length + ") is empty or negative");
        }
        if (type.isEmpty() || type.length() >= DmIoctl.MAX_TYPE_NAME) {
            throw new IllegalArgumentException("target type '" + type + "' must be 1-" + (DmIoctl.MAX_TYPE_NAME - 1) + " characters");
        }
    }

    @Override
    public String toString() {
        return start + " " + length + " " + type + " " + params;
    }
}
