package io.nbdcrypt.kernel.dm;

/**
 * The {@code <key>} field of a dm-crypt table, never the key itself: a reference into the
 * kernel keyring ({@code :64:logon:nbdcrypt:...}), or a hex key that was masked before it
 * reached Java (only its length is known), or {@code -} for none.
 */
public sealed interface KeyReference {
    /** Key length in bytes (0 for none). */
    int bytes();

    /** The field as the table spells it (a masked hex key as zero digits). */
    String field();

    /** {@code :<bytes>:<type>:<description>}: dm-crypt looks the key up in the loading thread's keyrings. */
    record Keyring(int bytes, String type, String description) implements KeyReference {
        @Override
        public String field() {
            return ":" + bytes + ":" + type + ":" + description;
        }
    }

    /** A key written into the table in hex (cryptsetup plain mode, older cryptsetup); masked. */
    record MaskedHex(int bytes) implements KeyReference {
        @Override
        public String field() {
            return "0".repeat(2 * bytes);
        }
    }

    /** {@code -}: no key (cipher_null), which this project never loads. */
    record None() implements KeyReference {
        @Override
        public int bytes() {
            return 0;
        }

        @Override
        public String field() {
            return "-";
        }
    }

    /**
     * Reads the field; {@code :<bytes>:<type>:<description>}, hex digits, or {@code -}.
     *
     * @throws IllegalArgumentException for anything else
     */
    static KeyReference parse(String field) {
        if (field.equals("-")) {
            return new None();
        }
        if (field.startsWith(":")) {
            String[] p = field.split(":", 4);
            if (p.length != 4 || p[2].isEmpty() || p[3].isEmpty()) {
                throw new IllegalArgumentException("key reference '" + field + "' is not :<bytes>:<type>:<description>");
            }
            try {
                return new Keyring(Integer.parseInt(p[1]), p[2], p[3]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("key reference '" + field + "' has no byte count", e);
            }
        }
        if (field.length() % 2 != 0 || !field.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            throw new IllegalArgumentException("key field of " + field.length() + " characters is neither hex nor a reference");
        }
        return new MaskedHex(field.length() / 2);
    }
}
