package io.nbdcrypt.cli;

import java.nio.file.Path;

/**
 * What {@code serve} was asked to open. Holds paths only, never key material.
 *
 * @param device   the disk image or block device holding the data
 * @param header   a detached LUKS header file, or {@code null} when the header is on {@code device}
 * @param readOnly open without write access
 */
public record VolumeSource(Path device, Path header, boolean readOnly) {}
