package io.nbdcrypt.block;

import java.io.IOException;

/** A write, trim or zeroing was attempted on a device opened read-only. */
public final class ReadOnlyDeviceException extends IOException {
    public ReadOnlyDeviceException(String message) {
        super(message);
    }
}
