package io.nbdcrypt.linux;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The device-mapper ioctl buffer, {@code struct dm_ioctl} followed by its data, as
 * {@code include/uapi/linux/dm-ioctl.h} (interface 4) lays it out on 64-bit Linux: a pure
 * codec over a {@link MemorySegment}, no system calls, so the layout is tested without a
 * kernel. {@link DeviceMapper} makes the calls.
 *
 * <p>Layout (native byte order, little-endian on x86-64 and arm64): {@code u32 version[3]} at
 * 0, {@code data_size} 12, {@code data_start} 16, {@code target_count} 20, {@code open_count}
 * 24, {@code flags} 28, {@code event_nr} 32, {@code padding} 36, {@code u64 dev} 40,
 * {@code char name[128]} 48, {@code char uuid[129]} 176, {@code char data[7]} 305; 312 bytes
 * in all. A table follows as {@code struct dm_target_spec} records ({@code u64
 * sector_start}, {@code u64 length}, {@code s32 status}, {@code u32 next}, {@code char
 * target_type[16]}: 40 bytes), each followed by its NUL-terminated parameter string padded to
 * 8 bytes.
 */
public final class DmIoctl {
    /** Interface major version; the kernel refuses any other (minor 0 asks for nothing newer). */
    static final int VERSION_MAJOR = 4;
    /** {@code sizeof(struct dm_ioctl)}. */
    public static final int HEADER_SIZE = 312;
    /** {@code sizeof(struct dm_target_spec)}. */
    static final int SPEC_SIZE = 40;
    /** {@code DM_NAME_LEN}, the terminating NUL included. */
    public static final int NAME_LEN = 128;
    /** {@code DM_UUID_LEN}, the terminating NUL included. */
    public static final int UUID_LEN = 129;
    /** {@code DM_MAX_TYPE_NAME}, the terminating NUL included. */
    public static final int MAX_TYPE_NAME = 16;

    static final long OFF_VERSION = 0;
    static final long OFF_DATA_SIZE = 12;
    static final long OFF_DATA_START = 16;
    static final long OFF_TARGET_COUNT = 20;
    static final long OFF_OPEN_COUNT = 24;
    static final long OFF_FLAGS = 28;
    static final long OFF_EVENT_NR = 32;
    static final long OFF_DEV = 40;
    static final long OFF_NAME = 48;
    static final long OFF_UUID = 176;

    /** In/out: the device (or the table being loaded) is read-only. */
    public static final int READONLY_FLAG = 1;
    /** In/out: suspend (with DM_DEV_SUSPEND); out: the device is suspended. */
    public static final int SUSPEND_FLAG = 1 << 1;
    /** In: DM_TABLE_STATUS returns the table lines instead of the targets' run-time status. */
    public static final int STATUS_TABLE_FLAG = 1 << 4;
    /** Out: the device has a live table. */
    public static final int ACTIVE_PRESENT_FLAG = 1 << 5;
    /** Out: the device has a loaded, not yet live, table. */
    public static final int INACTIVE_PRESENT_FLAG = 1 << 6;
    /** In: do not freeze the file system on the device while suspending (its table is being thrown away). */
    public static final int SKIP_LOCKFS_FLAG = 1 << 10;
    /** Out: the reply did not fit {@code data_size}; ask again with a larger buffer. */
    public static final int BUFFER_FULL_FLAG = 1 << 8;
    /** In: the kernel wipes its copies of this call's buffers (set whenever a table may carry a key). */
    public static final int SECURE_DATA_FLAG = 1 << 15;
    /** In (DM_DEV_REMOVE): remove the device when its last opener closes it, if it is open now. */
    public static final int DEFERRED_REMOVE_FLAG = 1 << 17;

    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED;

    private DmIoctl() {}

    /** The commands used here, with their {@code DM_*_CMD} numbers. */
    public enum Command {
        VERSION(0), LIST_DEVICES(2), DEV_CREATE(3), DEV_REMOVE(4), DEV_SUSPEND(6), DEV_STATUS(7), TABLE_LOAD(9),
        TABLE_CLEAR(10), TABLE_STATUS(12), LIST_VERSIONS(13);

        private final int nr;

        Command(int nr) {
            this.nr = nr;
        }

        /** {@code _IOWR(0xfd, nr, struct dm_ioctl)}: direction 3 in bits 30-31, size 312 in bits 16-29. */
        public long request() {
            return (3L << 30) | ((long) HEADER_SIZE << 16) | (0xfdL << 8) | nr;
        }
    }

    /**
     * Fills the header of {@code buf} (whose size becomes {@code data_size}) for a call on the
     * device {@code name} ({@code ""} for none); the data area starts right after the header.
     *
     * @throws IllegalArgumentException if {@code name} or {@code uuid} does not fit
     */
    public static void header(MemorySegment buf, String name, String uuid, int flags) {
        if (buf.byteSize() < HEADER_SIZE || buf.byteSize() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("dm_ioctl buffer of " + buf.byteSize() + " bytes");
        }
        buf.fill((byte) 0);
        buf.set(U32, OFF_VERSION, VERSION_MAJOR);
        buf.set(U32, OFF_DATA_SIZE, (int) buf.byteSize());
        buf.set(U32, OFF_DATA_START, HEADER_SIZE);
        buf.set(U32, OFF_FLAGS, flags);
        putText(buf, OFF_NAME, NAME_LEN, name, "device name");
        putText(buf, OFF_UUID, UUID_LEN, uuid, "device uuid");
    }

    /**
     * Writes {@code targets} after the header (as for DM_TABLE_LOAD) and sets
     * {@code target_count}; {@code buf} must be at least {@link #tableSize} bytes.
     */
    public static void putTable(MemorySegment buf, List<DmTarget> targets) {
        long at = HEADER_SIZE;
        for (DmTarget t : targets) {
            byte[] params = t.params().getBytes(StandardCharsets.US_ASCII);
            long next = specSize(params.length);
            buf.set(U64, at, t.start());
            buf.set(U64, at + 8, t.length());
            buf.set(U32, at + 16, 0);
            buf.set(U32, at + 20, (int) next); // load: relative to this spec
            putText(buf, at + 24, MAX_TYPE_NAME, t.type(), "target type");
            MemorySegment.copy(params, 0, buf, ValueLayout.JAVA_BYTE, at + SPEC_SIZE, params.length);
            buf.set(ValueLayout.JAVA_BYTE, at + SPEC_SIZE + params.length, (byte) 0);
            at += next;
        }
        buf.set(U32, OFF_TARGET_COUNT, targets.size());
    }

    /** Bytes a buffer needs for the header and {@code targets}. */
    public static long tableSize(List<DmTarget> targets) {
        long size = HEADER_SIZE;
        for (DmTarget t : targets) {
            size += specSize(t.params().getBytes(StandardCharsets.US_ASCII).length);
        }
        return size;
    }

    /** One spec, its parameters and their NUL, rounded up to 8 bytes so the next spec is aligned. */
    private static long specSize(int paramBytes) {
        return (SPEC_SIZE + paramBytes + 1 + 7) & ~7L;
    }

    public static int flags(MemorySegment buf) {
        return buf.get(U32, OFF_FLAGS);
    }

    public static int targetCount(MemorySegment buf) {
        return buf.get(U32, OFF_TARGET_COUNT);
    }

    public static int openCount(MemorySegment buf) {
        return buf.get(U32, OFF_OPEN_COUNT);
    }

    public static int dataSize(MemorySegment buf) {
        return buf.get(U32, OFF_DATA_SIZE);
    }

    public static int dataStart(MemorySegment buf) {
        return buf.get(U32, OFF_DATA_START);
    }

    /** The interface version the kernel wrote back, {@code {4, minor, patch}}. */
    public static int[] version(MemorySegment buf) {
        return new int[] {buf.get(U32, OFF_VERSION), buf.get(U32, OFF_VERSION + 4), buf.get(U32, OFF_VERSION + 8)};
    }

    /** The device a reply describes (name, uuid, number, open count, flags, target count). */
    public static DmDevice device(MemorySegment buf) {
        return new DmDevice(getText(buf, OFF_NAME, NAME_LEN), getText(buf, OFF_UUID, UUID_LEN),
                DeviceNumber.decode(buf.get(U64, OFF_DEV)), openCount(buf), flags(buf), targetCount(buf));
    }

    /** A target type and its version, from DM_LIST_VERSIONS. */
    public record TargetVersion(String name, int major, int minor, int patch) {
        /** Whether this version is {@code major.minor.patch} or newer. */
        public boolean atLeast(int wantMajor, int wantMinor, int wantPatch) {
            if (major != wantMajor) {
                return major > wantMajor;
            }
            if (minor != wantMinor) {
                return minor > wantMinor;
            }
            return patch >= wantPatch;
        }

        @Override
        public String toString() {
            return name + " " + major + "." + minor + "." + patch;
        }
    }

    /**
     * The DM_LIST_VERSIONS reply: {@code struct dm_target_versions} records ({@code u32 next},
     * {@code u32 version[3]}, the NUL-terminated name) from {@code data_start}, each
     * {@code next} bytes after the one before; the last has {@code next} 0.
     */
    public static List<TargetVersion> targetVersions(MemorySegment buf) {
        List<TargetVersion> out = new ArrayList<>();
        long end = Math.min(dataSize(buf), buf.byteSize());
        long at = dataStart(buf);
        while (at + 16 < end) {
            int next = buf.get(U32, at);
            out.add(new TargetVersion(getText(buf, at + 16, (int) (end - at - 16)), buf.get(U32, at + 4),
                    buf.get(U32, at + 8), buf.get(U32, at + 12)));
            if (next <= 0) {
                break;
            }
            at += next;
        }
        return out;
    }

    /**
     * The DM_TABLE_STATUS reply: {@code target_count} specs from {@code data_start}, each
     * followed by its parameter string; here {@code next} counts from the first spec, not from
     * the current one (dm-ioctl.h).
     */
    public static List<DmTarget> table(MemorySegment buf) {
        List<DmTarget> out = new ArrayList<>();
        long end = Math.min(dataSize(buf), buf.byteSize());
        long first = dataStart(buf);
        long at = first;
        for (int i = 0; i < targetCount(buf) && at + SPEC_SIZE <= end; i++) {
            String type = getText(buf, at + 24, MAX_TYPE_NAME);
            String params = getText(buf, at + SPEC_SIZE, (int) (end - at - SPEC_SIZE));
            out.add(new DmTarget(buf.get(U64, at), buf.get(U64, at + 8), type, params));
            at = first + Integer.toUnsignedLong(buf.get(U32, at + 20));
        }
        return out;
    }

    /**
     * Overwrites, in place, every hex key of a {@code crypt} target in a DM_TABLE_STATUS reply
     * with {@code '0'} digits of the same length, as {@code dmsetup table} without
     * {@code --showkeys} shows them; a keyring reference ({@code :64:logon:...}) or no key
     * ({@code -}) is left as it is. Run it before {@link #table}, so the key never becomes a
     * Java string; the kernel writes hex keys of mappings made without the keyring (cryptsetup
     * plain mode, or older cryptsetup).
     */
    public static void maskCryptKeys(MemorySegment buf) {
        long end = Math.min(dataSize(buf), buf.byteSize());
        long first = dataStart(buf);
        long at = first;
        for (int i = 0; i < targetCount(buf) && at + SPEC_SIZE <= end; i++) {
            if (getText(buf, at + 24, MAX_TYPE_NAME).equals("crypt")) {
                maskSecondWord(buf, at + SPEC_SIZE, end);
            }
            at = first + Integer.toUnsignedLong(buf.get(U32, at + 20));
        }
    }

    /** {@code <cipher> <key> ...}: the bytes of the second word, unless it starts with ':' or is '-'. */
    private static void maskSecondWord(MemorySegment buf, long from, long end) {
        long p = from;
        while (p < end && byteAt(buf, p) != ' ' && byteAt(buf, p) != 0) {
            p++;
        }
        if (p >= end || byteAt(buf, p) != ' ') {
            return;
        }
        p++;
        if (p >= end || byteAt(buf, p) == ':' || byteAt(buf, p) == '-') {
            return;
        }
        while (p < end && byteAt(buf, p) != ' ' && byteAt(buf, p) != 0) {
            buf.set(ValueLayout.JAVA_BYTE, p++, (byte) '0');
        }
    }

    private static byte byteAt(MemorySegment buf, long at) {
        return buf.get(ValueLayout.JAVA_BYTE, at);
    }

    /**
     * The DM_LIST_DEVICES reply: {@code struct dm_name_list} records ({@code u64 dev},
     * {@code u32 next}, the NUL-terminated name), {@code next} counted from the record; an
     * empty list is one record with {@code dev} 0.
     */
    public static List<String> names(MemorySegment buf) {
        List<String> out = new ArrayList<>();
        long end = Math.min(dataSize(buf), buf.byteSize());
        long at = dataStart(buf);
        while (at + 12 < end) {
            if (buf.get(U64, at) == 0) {
                break;
            }
            out.add(getText(buf, at + 12, (int) (end - at - 12)));
            int next = buf.get(U32, at + 8);
            if (next <= 0) {
                break;
            }
            at += next;
        }
        return out;
    }

    private static void putText(MemorySegment buf, long offset, int capacity, String text, String what) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        if (b.length >= capacity) {
            throw new IllegalArgumentException(what + " '" + text + "' is " + b.length + " bytes; at most "
                    + (capacity - 1) + " fit");
        }
        for (byte c : b) {
            if (c == 0) {
                throw new IllegalArgumentException(what + " contains a NUL byte");
            }
        }
        MemorySegment.copy(b, 0, buf, ValueLayout.JAVA_BYTE, offset, b.length);
    }

    /** The NUL-terminated text at {@code offset}, at most {@code max} bytes. */
    private static String getText(MemorySegment buf, long offset, int max) {
        int n = 0;
        while (n < max && offset + n < buf.byteSize() && buf.get(ValueLayout.JAVA_BYTE, offset + n) != 0) {
            n++;
        }
        byte[] b = new byte[n];
        MemorySegment.copy(buf, ValueLayout.JAVA_BYTE, offset, b, 0, n);
        return new String(b, StandardCharsets.UTF_8);
    }
}
