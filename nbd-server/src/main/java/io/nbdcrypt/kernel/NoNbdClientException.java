package io.nbdcrypt.kernel;

import java.io.IOException;

/**
 * This kernel has no NBD client: no generic-netlink family {@code nbd}, no {@code /dev/nbd*},
 * and the module does not load. The message names the way out: the dm-crypt backend, which the
 * stock Kata guest kernel has.
 */
public final class NoNbdClientException extends IOException {
    private static final long serialVersionUID = 1L;

    public NoNbdClientException(String detail) {
        super("this kernel has no NBD client (" + detail + "); use the dm-crypt backend instead"
                + " (provision --backend dm-crypt): it needs only dm-crypt, which the stock Kata guest kernel builds,"
                + " or build the kernel with CONFIG_BLK_DEV_NBD");
    }
}
