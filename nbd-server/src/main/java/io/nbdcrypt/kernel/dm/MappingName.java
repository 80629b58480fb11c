package io.nbdcrypt.kernel.dm;

import java.util.regex.Pattern;

/**
 * The name of a mapping, {@code /dev/mapper/<name>}: 1 to {@value #MAX_LENGTH} of
 * {@code [A-Za-z0-9_.+@-]}, not {@code .} or {@code ..}.
 *
 * <p>Stricter than device-mapper (127 bytes, no {@code /}): the name also goes into the DM
 * UUID ({@code CRYPT-LUKS2-<32 hex>-<name>} must fit 128 bytes, so cryptsetup's form leaves
 * 83 characters) and into the key description, where the kernel refuses
 * whitespace; a name is also a file name in {@code /dev/mapper}.
 */
public record MappingName(String value) {
    /** A DM UUID holds 128 bytes (DM_UUID_LEN 129 with its NUL); less {@code "CRYPT-LUKS2-"}, 32 hex digits and a dash. */
    public static final int MAX_LENGTH = 128 - 12 - 32 - 1;
    private static final Pattern ALLOWED = Pattern.compile("[A-Za-z0-9_.+@-]+");

    /** @throws IllegalArgumentException naming the rule the name breaks */
    public MappingName {
        if (value.isEmpty() || value.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("mapping name must be 1-" + MAX_LENGTH + " characters, not " + value.length());
        }
        if (!ALLOWED.matcher(value).matches() || value.equals(".") || value.equals("..")) {
            throw new IllegalArgumentException("mapping name '" + value.replaceAll("[^\\x21-\\x7e]", "?")
                    + "' may hold only letters, digits and _ . + @ - (and is not . or ..)");
        }
    }

    @Override
    public String toString() {
        return value;
    }
}
