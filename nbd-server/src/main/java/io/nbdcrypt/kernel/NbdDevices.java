package io.nbdcrypt.kernel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The kernel's {@code /dev/nbdN} devices as sysfs shows them: which index a path names, whether
 * a device is connected ({@code /sys/block/nbdN/pid} exists only then), and a free one for the
 * ioctl attach (netlink lets the kernel choose).
 */
public final class NbdDevices {
    private static final Pattern NBD_PATH = Pattern.compile("/dev/nbd(\\d+)");
    private static final Path SYS_BLOCK = Path.of("/sys/block");

    private NbdDevices() {}

    /** {@code /dev/nbd<index>}. */
    public static Path path(int index) {
        return Path.of("/dev/nbd" + index);
    }

    /**
     * The index N of {@code /dev/nbdN}.
     *
     * @throws IllegalArgumentException naming the path when it is not of that form
     */
    public static int index(Path device) {
        Matcher m = NBD_PATH.matcher(device.toString());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + device + "' is not an NBD device (expected /dev/nbdN)");
        }
        return Integer.parseInt(m.group(1));
    }

    /** Whether {@code /dev/nbd<index>} is connected to a server. */
    public static boolean isConnected(int index) {
        return Files.exists(SYS_BLOCK.resolve("nbd" + index).resolve("pid"));
    }

    /** Whether this kernel has any {@code /dev/nbdN} (the nbd module is loaded). */
    public static boolean anyDevice() {
        return Files.isDirectory(SYS_BLOCK) && firstMatching(false).isPresent();
    }

    /** The lowest-numbered {@code /dev/nbdN} that exists and is not connected. */
    public static OptionalInt firstFree() {
        return firstMatching(true);
    }

    private static OptionalInt firstMatching(boolean freeOnly) {
        try (Stream<Path> s = Files.list(SYS_BLOCK)) {
            return s.map(p -> p.getFileName().toString())
                    .filter(n -> n.matches("nbd\\d+"))
                    .mapToInt(n -> Integer.parseInt(n.substring(3)))
                    .filter(i -> !freeOnly || (!isConnected(i) && sizeSectors(i) == 0 && Files.exists(path(i))))
                    .sorted()
                    .findFirst();
        } catch (IOException | RuntimeException e) {
            return OptionalInt.empty();
        }
    }

    /** {@code /sys/block/nbdN/size} in 512-byte units; -1 when unreadable. */
    static long sizeSectors(int index) {
        try {
            return Long.parseLong(Files.readString(SYS_BLOCK.resolve("nbd" + index).resolve("size"),
                    StandardCharsets.US_ASCII).trim());
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
