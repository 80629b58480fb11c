package io.nbdcrypt.nbd.wire;

import java.util.Set;
import java.util.StringJoiner;

/**
 * The 16-bit flags field of one request, as a value: which {@link CommandFlag}s are set, and
 * which bits are set that the spec does not define (kept, so the validator can refuse them and
 * the message can name them).
 *
 * @param bits the field as sent, 0..0xffff
 */
public record CommandFlags(int bits) {
    public static final CommandFlags NONE = new CommandFlags(0);

    public CommandFlags {
        if ((bits & ~0xffff) != 0) {
            throw new IllegalArgumentException("command flags are 16 bits, got 0x" + Integer.toHexString(bits));
        }
    }

    /** The flags field with exactly {@code flags} set. */
    public static CommandFlags of(CommandFlag... flags) {
        int b = 0;
        for (CommandFlag f : flags) {
            b |= f.bit();
        }
        return new CommandFlags(b);
    }

    public boolean has(CommandFlag flag) {
        return (bits & flag.bit()) != 0;
    }

    /** The bits set here that are not in {@code allowed} (unknown bits included); 0 when none. */
    public int outside(Set<CommandFlag> allowed) {
        int ok = 0;
        for (CommandFlag f : allowed) {
            ok |= f.bit();
        }
        return bits & ~ok;
    }

    /** E.g. {@code FUA|NO_HOLE|0x8000}, or {@code 0}. */
    @Override
    public String toString() {
        if (bits == 0) {
            return "0";
        }
        StringJoiner j = new StringJoiner("|");
        int rest = bits;
        for (CommandFlag f : CommandFlag.values()) {
            if (has(f)) {
                j.add(f.toString());
                rest &= ~f.bit();
            }
        }
        if (rest != 0) {
            j.add("0x" + Integer.toHexString(rest));
        }
        return j.toString();
    }
}
