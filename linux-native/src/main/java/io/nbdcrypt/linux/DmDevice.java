package io.nbdcrypt.linux;

/**
 * What device-mapper says about one mapped device ({@code DM_DEV_STATUS} and friends).
 *
 * @param name      its name, {@code /dev/mapper/<name>}
 * @param uuid      its DM UUID ({@code ""} when none was set)
 * @param device    its block device number
 * @param openCount how many openers it has (a mounted file system counts)
 * @param flags     the {@code DM_*_FLAG} bits of the reply ({@link DmIoctl#READONLY_FLAG},
 *                  {@link DmIoctl#SUSPEND_FLAG}, {@link DmIoctl#ACTIVE_PRESENT_FLAG} ...)
 * @param targets   number of targets in its live table
 */
public record DmDevice(String name, String uuid, DeviceNumber device, int openCount, int flags, int targets) {
    public boolean readOnly() {
        return (flags & DmIoctl.READONLY_FLAG) != 0;
    }

    public boolean suspended() {
        return (flags & DmIoctl.SUSPEND_FLAG) != 0;
    }

    /** Whether it has a live table (a device created but never loaded and resumed has none). */
    public boolean active() {
        return (flags & DmIoctl.ACTIVE_PRESENT_FLAG) != 0;
    }
}
