package io.nbdcrypt.cli;

import picocli.CommandLine.Option;

/**
 * {@code --no-netlink} (picocli mixin) of the commands that attach {@code /dev/nbdN}: the NBD
 * ioctls even where the kernel has the netlink family, as {@code nbd-client -nonetlink}.
 */
final class NetlinkChoice {
    @Option(names = "--no-netlink", description = "Attach /dev/nbdN with the NBD ioctls even where the kernel has the"
            + " netlink interface (as nbd-client -nonetlink); an ioctl attach lasts only as long as this process.")
    boolean noNetlink;

    /** Whether to attach through netlink where the kernel has it. */
    boolean netlink() {
        return !noNetlink;
    }
}
