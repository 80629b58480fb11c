package io.nbdcrypt.provision;

import java.io.IOException;

/**
 * Provisioning refused its input before touching the disk: the device is mounted, held by
 * another program, too small, or the mount point is not a directory. The message names the
 * path and why.
 */
public final class ProvisionRefusedException extends IOException {
    private static final long serialVersionUID = 1L;

    public ProvisionRefusedException(String message) {
        super(message);
    }

    public ProvisionRefusedException(String message, Throwable cause) {
        super(message, cause);
    }
}
