package io.nbdcrypt.luks.common;

/** Header text as it may be shown in a message: at most 64 characters, non-printable bytes as '?'. */
public final class Printable {
    private Printable() {}

    /** {@code s} shortened to 64 characters (with "...") and with everything outside 0x20..0x7e replaced. */
    public static String of(String s) {
        String t = s.length() > 64 ? s.substring(0, 64) + "..." : s;
        return t.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
