package io.nbdcrypt.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code --no-netlink} reaches the attach settings of each command that attaches /dev/nbdN
 * ({@code serve --attach}, {@code attach}, {@code provision}); without it, netlink is tried
 * first. What the kernel then does with the choice is judged in the guest
 * ({@code ProvisionIoctlIT}: the device is attached through {@code NBD_SET_SOCK}).
 */
class NetlinkChoiceTest {
    @Test
    void serveAttach_noNetlinkReachesTheInProcessAttach() {
        assertFalse(serve("--attach", "--no-netlink").attachOptions().orElseThrow().netlink());
        assertTrue(serve("--attach").attachOptions().orElseThrow().netlink());
    }

    @Test
    void attachAndProvision_acceptIt() {
        assertFalse(parse(new AttachCommand(), "--socket", "/tmp/s", "--no-netlink").netlink.netlink());
        assertTrue(parse(new AttachCommand(), "--socket", "/tmp/s").netlink.netlink());
        assertFalse(parse(new ProvisionCommand(), "--device", "/dev/vdb", "--mount", "/m", "--no-netlink").netlink.netlink());
        assertTrue(parse(new ProvisionCommand(), "--device", "/dev/vdb", "--mount", "/m").netlink.netlink());
    }

    private static ServeOptions serve(String... options) {
        String[] args = new String[options.length + 1];
        args[0] = "disk.img";
        System.arraycopy(options, 0, args, 1, options.length);
        return parse(new ServeCommand(), args).serve;
    }

    private static <T> T parse(T command, String... args) {
        new CommandLine(command).parseArgs(args);
        return command;
    }
}
