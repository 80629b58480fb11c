package io.nbdcrypt.block;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A device could not be locked: another process holds it (a lock of its own, a mount, a
 * mapping). The message names the device and, where they are known, the holders.
 */
public final class DeviceInUseException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path device;
    private final List<String> holders;

    public DeviceInUseException(Path device, String why, List<String> holders) {
        super(device + " is in use: " + why + (holders.isEmpty() ? "" : " (held by " + String.join(", ", holders) + ")"));
        this.device = device;
        this.holders = List.copyOf(holders);
    }

    public Path device() {
        return device;
    }

    /** The holding processes, e.g. {@code "pid 4242 (java)"}; empty when unknown. */
    public List<String> holders() {
        return holders;
    }
}
