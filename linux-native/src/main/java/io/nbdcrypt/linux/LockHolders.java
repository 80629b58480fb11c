package io.nbdcrypt.linux;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Who holds a {@code flock} on a file, read from {@code /proc/locks}, so a refusal can say
 * "in use by pid 4242 (nbdcrypt)" instead of only "locked". Best effort: an unreadable
 * {@code /proc} gives an empty list, never an exception.
 */
public final class LockHolders {
    private static final Path PROC_LOCKS = Path.of("/proc/locks");

    private LockHolders() {}

    /** The processes holding a flock on {@code file}, e.g. {@code ["pid 4242 (java)"]}; empty when unknown. */
    public static List<String> of(Path file) {
        try {
            long dev = (Long) Files.getAttribute(file, "unix:dev");
            long ino = (Long) Files.getAttribute(file, "unix:ino");
            return parse(Files.readAllLines(PROC_LOCKS, StandardCharsets.US_ASCII), major(dev), minor(dev), ino);
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    /**
     * The holders listed in {@code lines} (the format of {@code /proc/locks}) for the file
     * {@code major:minor:inode}: granted FLOCK entries only, not waiters ({@code ->}).
     */
    static List<String> parse(List<String> lines, long major, long minor, long inode) {
        Set<String> holders = new LinkedHashSet<>();
        for (String line : lines) {
            // "3: FLOCK  ADVISORY  WRITE 4242 fd:01:1234567 0 EOF"
            String[] f = line.trim().split("\\s+");
            if (f.length < 6 || f[1].equals("->") || !f[1].equals("FLOCK")) {
                continue;
            }
            String[] id = f[5].split(":");
            if (id.length != 3) {
                continue;
            }
            try {
                if (Long.parseLong(id[0], 16) == major && Long.parseLong(id[1], 16) == minor
                        && Long.parseLong(id[2]) == inode) {
                    holders.add(describe(Long.parseLong(f[4])));
                }
            } catch (NumberFormatException e) {
                // not a line of the expected shape; skip it
            }
        }
        return new ArrayList<>(holders);
    }

    private static String describe(long pid) {
        try {
            String comm = Files.readString(Path.of("/proc", Long.toString(pid), "comm"), StandardCharsets.UTF_8).trim();
            return "pid " + pid + " (" + comm + ")";
        } catch (IOException | RuntimeException e) {
            return "pid " + pid;
        }
    }

    /** glibc's {@code major()} of a userspace {@code dev_t}. */
    static long major(long dev) {
        return ((dev >>> 8) & 0xfff) | ((dev >>> 32) & 0xfffff000L);
    }

    /** glibc's {@code minor()} of a userspace {@code dev_t}. */
    static long minor(long dev) {
        return (dev & 0xff) | ((dev >>> 12) & 0xffffff00L);
    }
}
