package io.nbdcrypt.linux;

import java.lang.foreign.Linker;
import java.util.Locale;

/**
 * Whether the native layer can be used in this JVM: on Linux, with the FFM linker usable
 * (native access not refused). Checked once; never throws.
 */
public final class Linux {
    private static final String UNAVAILABLE_REASON = probe();

    private Linux() {}

    /** Whether native calls can be bound here. */
    public static boolean available() {
        return UNAVAILABLE_REASON == null;
    }

    /** Why they cannot (null when {@link #available()}). */
    public static String unavailableReason() {
        return UNAVAILABLE_REASON;
    }

    private static String probe() {
        String os = System.getProperty("os.name", "");
        if (!os.toLowerCase(Locale.ROOT).contains("linux")) {
            return "os.name is '" + os + "', not Linux";
        }
        try {
            Linker.nativeLinker().defaultLookup().find("open").orElseThrow(() -> new IllegalStateException("libc has no open()"));
            return null;
        } catch (RuntimeException | Error e) {
            return e.toString();
        }
    }
}
