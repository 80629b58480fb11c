package io.nbdcrypt.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code mount(2)}, {@code umount2(2)} and what is mounted where ({@code /proc/self/mountinfo}).
 * Mounting and unmounting need {@code CAP_SYS_ADMIN}.
 */
public final class Mounts {
    public static final long MS_NOSUID = 2;
    public static final long MS_NODEV = 4;
    /** Lazy unmount: detach now, clean up when the last user goes. */
    public static final int MNT_DETACH = 2;
    private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");

    private static final NativeCalls.Bound MOUNT = NativeCalls.bind("mount",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS), -1);
    private static final NativeCalls.Bound UMOUNT2 =
            NativeCalls.bind("umount2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), -1);

    private Mounts() {}

    /** {@code mount(source, target, fsType, flags, options)}; {@code options} may be empty. */
    public static void mount(Path source, Path target, String fsType, long flags, String options) throws NativeException {
        Syscall.run("mount " + source + " (" + fsType + ")", target.toString(), (state, arena) -> {
            MemorySegment data = options.isEmpty() ? MemorySegment.NULL : arena.allocateFrom(options);
            return (int) MOUNT.require().invokeExact(state, arena.allocateFrom(source.toString()),
                    arena.allocateFrom(target.toString()), arena.allocateFrom(fsType), flags, data);
        });
    }

    /** {@code umount2(target, flags)} (0 or {@link #MNT_DETACH}); EBUSY while files are open there. */
    public static void unmount(Path target, int flags) throws NativeException {
        Syscall.run(flags == MNT_DETACH ? "umount2(MNT_DETACH)" : "umount", target.toString(), (state, arena) ->
                (int) UMOUNT2.require().invokeExact(state, arena.allocateFrom(target.toString()), flags));
    }

    /**
     * One line of mountinfo.
     *
     * @param major      the mounted device's major number (0 for virtual file systems)
     * @param minor      its minor number
     * @param mountPoint where it is mounted
     * @param fsType     e.g. {@code ext4}
     * @param source     e.g. {@code /dev/nbd0}
     */
    public record Mount(int major, int minor, Path mountPoint, String fsType, String source) {}

    /** What this process sees mounted; empty when {@code /proc} is unreadable. */
    public static List<Mount> list() {
        try {
            return parse(Files.readAllLines(MOUNTINFO, StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    /** The mount whose mount point is {@code path} (the last one, when several are stacked there). */
    public static Optional<Mount> at(Path path) {
        Path p = path.toAbsolutePath().normalize();
        Mount found = null;
        for (Mount m : list()) {
            if (m.mountPoint().equals(p)) {
                found = m;
            }
        }
        return Optional.ofNullable(found);
    }

    /** The mounts of block device {@code major:minor}. */
    public static List<Mount> ofDevice(int major, int minor) {
        return list().stream().filter(m -> m.major() == major && m.minor() == minor).toList();
    }

    /** Parses mountinfo lines (proc(5)); lines of another shape are skipped. */
    static List<Mount> parse(List<String> lines) {
        List<Mount> out = new ArrayList<>();
        for (String line : lines) {
            // "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue"
            String[] f = line.split(" ");
            int dash = List.of(f).indexOf("-");
            if (f.length < 7 || dash < 6 || dash + 2 >= f.length) {
                continue;
            }
            String[] dev = f[2].split(":");
            try {
                out.add(new Mount(Integer.parseInt(dev[0]), Integer.parseInt(dev[1]), Path.of(unescape(f[4])),
                        f[dash + 1], unescape(f[dash + 2])));
            } catch (RuntimeException e) {
                // not a line of the expected shape
            }
        }
        return out;
    }

    /** mountinfo writes space, tab, newline and backslash as {@code \ooo} octal escapes. */
    static String unescape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && isOctal(s, i + 1)) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static boolean isOctal(String s, int from) {
        if (from + 3 > s.length()) {
            return false;
        }
        for (int i = from; i < from + 3; i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '7') {
                return false;
            }
        }
        return true;
    }
}
