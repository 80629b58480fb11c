package io.nbdcrypt.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The dm_ioctl buffer against the layout of {@code include/uapi/linux/dm-ioctl.h}: offsets
 * and request numbers as the header defines them (the guest tests then show the kernel
 * accepts what this writes), and replies built byte by byte as the kernel writes them.
 */
class DmIoctlTest {
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED;

    @Test
    void request_isIowrOfTheControlTypeWithTheStructSize() {
        // strace prints these as DM_VERSION, DM_DEV_CREATE ...: _IOWR(0xfd, nr, 312 bytes).
        assertEquals(0xc138fd00L, DmIoctl.Command.VERSION.request());
        assertEquals(0xc138fd03L, DmIoctl.Command.DEV_CREATE.request());
        assertEquals(0xc138fd04L, DmIoctl.Command.DEV_REMOVE.request());
        assertEquals(0xc138fd06L, DmIoctl.Command.DEV_SUSPEND.request());
        assertEquals(0xc138fd07L, DmIoctl.Command.DEV_STATUS.request());
        assertEquals(0xc138fd09L, DmIoctl.Command.TABLE_LOAD.request());
        assertEquals(0xc138fd0cL, DmIoctl.Command.TABLE_STATUS.request());
        assertEquals(0xc138fd0dL, DmIoctl.Command.LIST_VERSIONS.request());
    }

    @Test
    void header_fieldsAtTheirOffsets() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(1024);
            buf.fill((byte) 0x55);
            DmIoctl.header(buf, "vol1", "CRYPT-LUKS2-00112233445566778899aabbccddeeff-vol1", DmIoctl.SECURE_DATA_FLAG);

            assertEquals(4, buf.get(U32, 0), "version[0]");
            assertEquals(0, buf.get(U32, 4), "version[1]: asks for nothing newer than 4.0");
            assertEquals(1024, buf.get(U32, 12), "data_size");
            assertEquals(312, buf.get(U32, 16), "data_start");
            assertEquals(1 << 15, buf.get(U32, 28), "flags");
            assertEquals("vol1", cString(buf, 48));
            assertEquals("CRYPT-LUKS2-00112233445566778899aabbccddeeff-vol1", cString(buf, 176));
            assertEquals(0, buf.get(ValueLayout.JAVA_BYTE, 1023), "the rest is zeroed");
        }
    }

    @Test
    void header_nameOf128Bytes_refusedNamingTheLimit() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(DmIoctl.HEADER_SIZE);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> DmIoctl.header(buf, "n".repeat(128), "", 0));
            assertTrue(e.getMessage().contains("at most 127"), e.getMessage());
            DmIoctl.header(buf, "n".repeat(127), "", 0);
        }
    }

    @Test
    void putTable_specsAlignedTo8WithNextRelativeToEachSpec() {
        List<DmTarget> t = List.of(new DmTarget(0, 100, "linear", "254:1 0"), new DmTarget(100, 28, "crypt", "abc"));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(DmIoctl.tableSize(t));
            DmIoctl.header(buf, "m", "", 0);
            DmIoctl.putTable(buf, t);

            // spec 40 bytes + "254:1 0\0" (8) = 48; then 40 + "abc\0" = 44, padded to 48.
            assertEquals(312 + 48 + 48, buf.byteSize());
            assertEquals(2, buf.get(U32, 20), "target_count");
            assertEquals(0L, buf.get(U64, 312));
            assertEquals(100L, buf.get(U64, 320));
            assertEquals(48, buf.get(U32, 312 + 20), "next of the first spec");
            assertEquals("linear", cString(buf, 312 + 24));
            assertEquals("254:1 0", cString(buf, 312 + 40));
            assertEquals(100L, buf.get(U64, 360));
            assertEquals(28L, buf.get(U64, 368));
            assertEquals("crypt", cString(buf, 360 + 24));
            assertEquals("abc", cString(buf, 360 + 40));
        }
    }

    @Test
    void table_reply_nextCountsFromTheFirstSpec() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(2048);
            DmIoctl.header(buf, "m", "", 0);
            int first = 320; // a kernel may align data_start past the header
            buf.set(U32, 16, first);
            buf.set(U32, 20, 2);
            spec(buf, first, 0, 8, "linear", "7:0 0", 64);
            spec(buf, first + 64, 8, 16, "crypt", "aes-xts-plain64 :64:logon:x:y 0 7:0 0", 200);

            List<DmTarget> t = DmIoctl.table(buf);

            assertEquals(List.of(new DmTarget(0, 8, "linear", "7:0 0"),
                    new DmTarget(8, 16, "crypt", "aes-xts-plain64 :64:logon:x:y 0 7:0 0")), t);
        }
    }

    @Test
    void maskCryptKeys_hexKeyBecomesZeroesKeyringReferenceStays() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(2048);
            DmIoctl.header(buf, "m", "", 0);
            buf.set(U32, 20, 3);
            spec(buf, 312, 0, 8, "crypt", "aes-xts-plain64 0123abcdef 0 7:0 0 1 sector_size:4096", 104);
            spec(buf, 312 + 104, 8, 8, "crypt", "aes-xts-plain64 :32:logon:a:b 0 7:0 0", 96);
            spec(buf, 312 + 200, 16, 8, "linear", "7:0 0123", 64);

            DmIoctl.maskCryptKeys(buf);

            assertEquals(List.of("aes-xts-plain64 0000000000 0 7:0 0 1 sector_size:4096",
                    "aes-xts-plain64 :32:logon:a:b 0 7:0 0", "7:0 0123"),
                    DmIoctl.table(buf).stream().map(DmTarget::params).toList());
        }
    }

    @Test
    void targetVersions_reply_listsEachTypeUntilNextIsZero() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(1024);
            DmIoctl.header(buf, "", "", 0);
            version(buf, 312, 32, 1, 24, 2, "crypt");
            version(buf, 344, 0, 1, 4, 0, "linear");

            assertEquals(List.of(new DmIoctl.TargetVersion("crypt", 1, 24, 2), new DmIoctl.TargetVersion("linear", 1, 4, 0)),
                    DmIoctl.targetVersions(buf));
            assertTrue(new DmIoctl.TargetVersion("crypt", 1, 18, 1).atLeast(1, 18, 1));
            assertTrue(!new DmIoctl.TargetVersion("crypt", 1, 18, 0).atLeast(1, 18, 1));
            assertTrue(new DmIoctl.TargetVersion("crypt", 2, 0, 0).atLeast(1, 18, 1));
        }
    }

    @Test
    void names_reply_emptyListHasDevZero() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(1024);
            DmIoctl.header(buf, "", "", 0);
            assertEquals(List.of(), DmIoctl.names(buf));
            buf.set(U64, 312, new DeviceNumber(254, 0).encode());
            buf.set(U32, 320, 24);
            putString(buf, 324, "a");
            buf.set(U64, 336, new DeviceNumber(254, 1).encode());
            buf.set(U32, 344, 0);
            putString(buf, 348, "bb");
            assertEquals(List.of("a", "bb"), DmIoctl.names(buf));
        }
    }

    @Test
    void device_reply_decodesDevNumberAndCounts() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(DmIoctl.HEADER_SIZE);
            DmIoctl.header(buf, "vol", "U", 0);
            buf.set(U32, 24, 2);
            buf.set(U32, 28, DmIoctl.ACTIVE_PRESENT_FLAG | DmIoctl.READONLY_FLAG);
            buf.set(U64, 40, (254L << 8) | 3); // the kernel's new_encode_dev(MKDEV(254, 3))

            DmDevice d = DmIoctl.device(buf);

            assertEquals(new DmDevice("vol", "U", new DeviceNumber(254, 3), 2, DmIoctl.ACTIVE_PRESENT_FLAG | 1, 0), d);
            assertTrue(d.active() && d.readOnly() && !d.suspended());
        }
    }

    @Test
    void deviceNumber_encodeDecodeLikeGlibc() {
        DeviceNumber big = new DeviceNumber(4100, 1048575);
        assertEquals(big, DeviceNumber.decode(big.encode()));
        assertEquals(0xfe10L, new DeviceNumber(254, 16).encode());
        assertEquals(new DeviceNumber(254, 16), DeviceNumber.parse("254:16"));
        assertThrows(IllegalArgumentException.class, () -> DeviceNumber.parse("254"));
    }

    private static void spec(MemorySegment buf, long at, long start, long length, String type, String params, int next) {
        buf.set(U64, at, start);
        buf.set(U64, at + 8, length);
        buf.set(U32, at + 20, (int) (at + next - DmIoctl.dataStart(buf)));
        putString(buf, at + 24, type);
        putString(buf, at + 40, params);
    }

    private static void version(MemorySegment buf, long at, int next, int major, int minor, int patch, String name) {
        buf.set(U32, at, next);
        buf.set(U32, at + 4, major);
        buf.set(U32, at + 8, minor);
        buf.set(U32, at + 12, patch);
        putString(buf, at + 16, name);
    }

    private static void putString(MemorySegment buf, long at, String s) {
        byte[] b = (s + "\0").getBytes(StandardCharsets.US_ASCII);
        MemorySegment.copy(b, 0, buf, ValueLayout.JAVA_BYTE, at, b.length);
    }

    private static String cString(MemorySegment buf, long at) {
        return buf.getString(at, StandardCharsets.US_ASCII);
    }
}
