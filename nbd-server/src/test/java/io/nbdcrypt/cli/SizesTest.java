package io.nbdcrypt.cli;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class SizesTest {
    @Test
    void parse_suffixesArePowersOf1024() {
        assertEquals(4096, Sizes.parse("4096", "--size"));
        assertEquals(512L << 10, Sizes.parse("512K", "--size"));
        assertEquals(64L << 20, Sizes.parse("64m", "--size"));
        assertEquals(1L << 30, Sizes.parse("1G", "--size"));
        assertEquals(1L << 30, Sizes.parse("1GiB", "--size"));
        assertEquals(2L << 40, Sizes.parse("2T", "--size"));
    }

    @Test
    void parse_garbageOrOverflow_namesTheOption() {
        for (String bad : new String[] {"", "G", "1.5G", "-1M", "ten", "9999999999T"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Sizes.parse(bad, "--size"));
            assertTrue(e.getMessage().startsWith("--size"), e.getMessage());
        }
    }
}
