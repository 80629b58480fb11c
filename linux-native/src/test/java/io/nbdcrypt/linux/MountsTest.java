package io.nbdcrypt.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class MountsTest {
    @Test
    void parse_mountinfoLines_giveDeviceMountPointTypeAndSource() {
        List<Mounts.Mount> m = Mounts.parse(List.of(
                "36 35 43:0 / /run/kata-containers/image rw,nosuid,nodev,relatime shared:1 - ext4 /dev/nbd0 rw",
                "37 35 0:22 / /mnt/with\\040space rw - tmpfs tmp rw",
                "garbage line"));

        assertEquals(2, m.size());
        assertEquals(new Mounts.Mount(43, 0, Path.of("/run/kata-containers/image"), "ext4", "/dev/nbd0"), m.get(0));
        assertEquals(Path.of("/mnt/with space"), m.get(1).mountPoint());
    }

    @Test
    void parse_noOptionalFields_stillFindsTypeAfterSeparator() {
        List<Mounts.Mount> m = Mounts.parse(List.of("22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw"));
        assertEquals("ext4", m.getFirst().fsType());
        assertEquals("/dev/sda1", m.getFirst().source());
    }

    @Test
    void at_root_isMounted() {
        assertTrue(Mounts.at(Path.of("/")).isPresent(), "this process sees a mount at /");
    }
}
