package io.nbdcrypt.block;

/**
 * How {@link FileBlockDevice#open(java.nio.file.Path, boolean, DeviceLock)} guards a device
 * against other users for as long as it stays open.
 *
 * <ul>
 *   <li>{@link #NONE}: no lock (library use, tests).</li>
 *   <li>{@link #SHARED}: for readers ({@code dump}, {@code test-key}): a shared {@code flock},
 *       so no writer holds the device while it is read, but other readers may.</li>
 *   <li>{@link #EXCLUSIVE}: for writers ({@code serve}, {@code format}, keyslot changes,
 *       provisioning): an exclusive {@code flock}, and on a block device also {@code O_EXCL},
 *       which the kernel refuses while the device is mounted, mapped or held by another
 *       exclusive opener, and which keeps it from being mounted while we hold it.</li>
 * </ul>
 *
 * Locks are advisory between cooperating programs (nbdcrypt, and others using {@code flock});
 * {@code O_EXCL} is enforced by the kernel for block devices.
 */
public enum DeviceLock {
    NONE, SHARED, EXCLUSIVE
}
