package io.nbdcrypt.luks2.disk;

/**
 * One header copy that passed the binary checks and its checksum, JSON not yet parsed: the
 * on-disk form, before {@code HeaderValidator} turns it into a {@code Luks2Header}.
 *
 * @param offset   where the copy starts on the device (0 or the secondary's offset)
 * @param jsonArea the {@code hdr_size - 4096} bytes after the binary header
 */
public record RawHeaderCopy(long offset, BinaryHeader binary, byte[] jsonArea) {}
