package io.nbdcrypt.cli;

import io.nbdcrypt.block.DeviceLock;
import java.nio.file.Path;

/**
 * What {@code serve} was asked to open. Holds paths only, never key material.
 *
 * @param device   the disk image or block device holding the data
 * @param header   a detached LUKS header file, or {@code null} when the header is on {@code device}
 * @param readOnly open without write access
 * @param lock     held on the device (and header) while it is served
 */
public record VolumeSource(Path device, Path header, boolean readOnly, DeviceLock lock) {
    /**
     * As served from the command line: a writer holds the device exclusively (no second
     * server, no keyslot change, no format meanwhile), a read-only server shares it with
     * other readers.
     */
    public VolumeSource(Path device, Path header, boolean readOnly) {
        this(device, header, readOnly, readOnly ? DeviceLock.SHARED : DeviceLock.EXCLUSIVE);
    }
}
