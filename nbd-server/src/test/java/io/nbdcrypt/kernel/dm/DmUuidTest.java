package io.nbdcrypt.kernel.dm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class DmUuidTest {
    @Test
    void luks2_cryptsetupsForm_dashesDropped() {
        DmUuid u = DmUuid.luks2("3f1c2a9e-5b7d-4c1e-9a2b-0d4e6f8a1b2c", new MappingName("vol"));

        assertEquals("CRYPT-LUKS2-3f1c2a9e5b7d4c1e9a2b0d4e6f8a1b2c-vol", u.toString());
        assertEquals(Optional.of(u), DmUuid.parse(u.toString()));
    }

    @Test
    void parse_plainAndForeign() {
        assertEquals(Optional.of(new DmUuid("PLAIN", Optional.empty(), "scratch")), DmUuid.parse("CRYPT-PLAIN-scratch"));
        assertEquals(Optional.empty(), DmUuid.parse("LVM-abcdef"));
        assertEquals(Optional.empty(), DmUuid.parse(""));
    }

    @Test
    void luks2_hostileUuid_refused() {
        for (String bad : new String[] {"3f1c2a9e-5b7d-4c1e-9a2b-0d4e6f8a1b2c x", "../../etc", "1-1-1-1-1", ""}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> DmUuid.luks2(bad, new MappingName("v")), bad);
            assertTrue(e.getMessage().contains("is not a UUID"), e.getMessage());
        }
    }

    @Test
    void mappingName_rules() {
        new MappingName("a");
        new MappingName("x".repeat(MappingName.MAX_LENGTH));
        assertEquals(83, MappingName.MAX_LENGTH);
        for (String bad : new String[] {"", "x".repeat(MappingName.MAX_LENGTH + 1), "a/b", "a b", ".", "..", "tab\t", "é"}) {
            assertThrows(IllegalArgumentException.class, () -> new MappingName(bad), bad);
        }
        // The longest name still makes a DM UUID device-mapper takes (DM_UUID_LEN 129 with its NUL).
        String uuid = DmUuid.luks2("3f1c2a9e-5b7d-4c1e-9a2b-0d4e6f8a1b2c", new MappingName("x".repeat(MappingName.MAX_LENGTH)))
                .toString();
        assertEquals(128, uuid.length());
    }
}
