package io.nbdcrypt.provision;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A kernel block device showing a volume's plaintext, made by a {@link Backend}.
 * {@link #close()} detaches it: the kernel device goes away (later I/O on it fails), the
 * backend's copies of the key are destroyed, and the data is flushed to the raw device. It is
 * idempotent and safe from a shutdown hook.
 */
public interface Attachment extends AutoCloseable {
    /** The device, e.g. {@code /dev/nbd0} or {@code /dev/mapper/NAME}. */
    Path device();

    /** Its size in bytes. */
    long size();

    /** How it is attached, for the report, e.g. {@code "nbd via netlink, 1 connection"}. */
    String detail();

    @Override
    void close() throws IOException;
}
