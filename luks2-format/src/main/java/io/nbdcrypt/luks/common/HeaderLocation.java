package io.nbdcrypt.luks.common;

/**
 * Where a LUKS header lives relative to the data it describes, said once instead of as a
 * {@code boolean detached} threaded through every reader and validator.
 *
 * <p>The difference matters to validation: on the data device, the data must start after
 * the header and its keyslots (a segment or payload at offset 0 would overwrite them); with a
 * detached header (a separate file, e.g. kept in guest memory) the data may start at 0 and
 * keyslot areas are bounded by the header file instead.
 */
public enum HeaderLocation {
    /** The header is at the start of the data device (cryptsetup's default). */
    ON_DATA_DEVICE,
    /** The header is in a file of its own ({@code --header FILE}); the data device holds only data. */
    DETACHED;

    public boolean isDetached() {
        return this == DETACHED;
    }

    /** {@link #DETACHED} when a separate header file is given, else {@link #ON_DATA_DEVICE}. */
    public static HeaderLocation detachedIf(boolean separateHeaderFile) {
        return separateHeaderFile ? DETACHED : ON_DATA_DEVICE;
    }
}
