package io.nbdcrypt.luks.common;

import java.util.List;

/**
 * How {@code dump} lists what nbdcrypt will not open (the same for LUKS1 and LUKS2): after
 * cryptsetup's text, a block starting with {@link #HEADING} and one tab-indented line per
 * refusal, {@code field: reason}; nothing at all when there is none.
 */
public final class RefusalReport {
    /** First line of the block. */
    public static final String HEADING = "nbdcrypt will not open this volume:";

    private RefusalReport() {}

    public static void append(StringBuilder s, List<UnsupportedFeatureException> refusals) {
        if (refusals.isEmpty()) {
            return;
        }
        s.append(HEADING).append('\n');
        for (UnsupportedFeatureException e : refusals) {
            s.append('\t').append(e.getMessage()).append('\n');
        }
    }

    /** The reason alone, without the field prefix of the message. */
    public static String reason(UnsupportedFeatureException e) {
        return e.getMessage().substring(e.field().length() + 2);
    }
}
