package io.nbdcrypt.cli;

/** Byte sizes with cryptsetup's suffixes: 16384, 16k, 4m, 1g (powers of 1024). */
final class Sizes {
    private Sizes() {}

    static long parse(String s, String option) throws LuksExit.UsageException {
        String t = s.trim().toLowerCase(java.util.Locale.ROOT);
        long mult = 1;
        if (t.endsWith("k")) {
            mult = 1L << 10;
        } else if (t.endsWith("m")) {
            mult = 1L << 20;
        } else if (t.endsWith("g")) {
            mult = 1L << 30;
        }
        String digits = mult == 1 ? t : t.substring(0, t.length() - 1);
        try {
            long v = Long.parseLong(digits);
            if (v < 0) {
                throw new NumberFormatException();
            }
            return Math.multiplyExact(v, mult);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new LuksExit.UsageException(option + ": '" + s + "' is not a size (e.g. 16384, 16k, 4m)");
        }
    }
}
