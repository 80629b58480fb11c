package io.nbdcrypt.kernel.dm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nbdcrypt.linux.DeviceNumber;
import io.nbdcrypt.linux.DmDevice;
import io.nbdcrypt.linux.DmIoctl;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The text of cryptsetup 2.6's {@code action_status} (src/cryptsetup.c), line for line; the
 * guest test diffs our output with cryptsetup's for the same mapping.
 */
class MappingStatusTest {
    private static final String UUID = "CRYPT-LUKS2-3f1c2a9e5b7d4c1e9a2b0d4e6f8a1b2c-vol";

    private static MappingStatus status(String params, int openCount, int flags) {
        DmDevice d = new DmDevice("vol", UUID, new DeviceNumber(254, 1), openCount, flags | DmIoctl.ACTIVE_PRESENT_FLAG, 1);
        return new MappingStatus(new MappingName("vol"), d, DmUuid.parse(UUID), Optional.of(CryptTable.parse(params)),
                65536, "/dev/vdb", true);
    }

    @Test
    void toText_keyringKeyIdleReadWrite() {
        assertEquals("""
                /dev/mapper/vol is active.
                  type:    LUKS2
                  cipher:  aes-xts-plain64
                  keysize: 512 bits
                  key location: keyring
                  device:  /dev/vdb
                  sector size:  4096
                  offset:  32768 sectors
                  size:    65536 sectors
                  mode:    read/write
                """, status("aes-xts-plain64 :64:logon:nbdcrypt:x 0 254:16 32768 1 sector_size:4096", 0, 0)
                .toText("/dev/mapper"));
    }

    @Test
    void toText_inUseReadOnlyWithFlagsAndSkip() {
        assertEquals("""
                /dev/mapper/vol is active and is in use.
                  type:    LUKS2
                  cipher:  aes-xts-plain64
                  keysize: 256 bits
                  key location: dm-crypt
                  device:  /dev/vdb
                  sector size:  512
                  offset:  0 sectors
                  size:    65536 sectors
                  skipped: 16 sectors
                  mode:    readonly
                  flags:   discards no_read_workqueue no_write_workqueue
                """, status("aes-xts-plain64 " + "0".repeat(64)
                        + " 16 254:16 0 3 allow_discards no_read_workqueue no_write_workqueue", 1, DmIoctl.READONLY_FLAG)
                .toText("/dev/mapper"));
    }

    @Test
    void type_luksHeaderNotOnTheDevice_notApplicableLikeCryptsetup() {
        MappingStatus s = status("aes-xts-plain64 :64:logon:a:b 0 254:16 0", 0, 0);
        MappingStatus detached = new MappingStatus(s.name(), s.device(), s.uuid(), s.crypt(), s.sectors(), s.dataDevice(),
                false);
        assertEquals("LUKS2", s.type());
        assertEquals("n/a", detached.type());
        assertEquals("PLAIN", new MappingStatus(s.name(), s.device(), DmUuid.parse("CRYPT-PLAIN-vol"), s.crypt(),
                s.sectors(), s.dataDevice(), false).type());
    }

    @Test
    void toText_discardsOnly_keepsCryptsetupsTrailingSpace() {
        String text = status("aes-xts-plain64 :64:logon:a:b 0 254:16 0 1 allow_discards", 0, 0).toText("/dev/mapper");
        assertEquals("  flags:   discards \n", text.substring(text.indexOf("  flags:")));
    }
}
