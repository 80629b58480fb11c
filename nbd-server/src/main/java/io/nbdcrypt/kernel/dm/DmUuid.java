package io.nbdcrypt.kernel.dm;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The DM UUID of a mapping, in cryptsetup's form: {@code CRYPT-<type>-[<uuid without
 * dashes>-]<name>} ({@code CRYPT-LUKS2-0b1e...42-vol}, {@code CRYPT-PLAIN-vol}). Using it
 * lets {@code cryptsetup status} and {@code cryptsetup close} recognise our mappings, and
 * lets us recognise theirs.
 *
 * @param type       {@code LUKS2}, {@code LUKS1}, {@code PLAIN}, ...
 * @param volumeUuid the volume's UUID with dashes, or empty (plain mappings have none)
 * @param name       the mapping's name as the UUID ends with it
 */
public record DmUuid(String type, Optional<String> volumeUuid, String name) {
    private static final Pattern UUID = Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final Pattern WITH_UUID = Pattern.compile("CRYPT-([A-Z0-9_]+)-([0-9a-fA-F]{32})-(.+)");
    private static final Pattern WITHOUT_UUID = Pattern.compile("CRYPT-([A-Z0-9_]+)-(.+)");

    /**
     * {@code CRYPT-LUKS2-<uuid>-<name>} for a LUKS2 volume.
     *
     * @throws IllegalArgumentException if {@code volumeUuid} is not a UUID: it comes from a
     *                                  header the host may have written, and goes into the
     *                                  kernel's device list and the key description
     */
    public static DmUuid luks2(String volumeUuid, MappingName name) {
        if (!UUID.matcher(volumeUuid).matches()) {
            throw new IllegalArgumentException("volume uuid '" + volumeUuid.replaceAll("[^\\x21-\\x7e]", "?")
                    + "' is not a UUID (8-4-4-4-12 hex digits)");
        }
        return new DmUuid("LUKS2", Optional.of(volumeUuid), name.value()); // as cryptsetup: dashes dropped, case kept
    }

    /** {@code CRYPT-PLAIN-<name>}: a mapping with no header anywhere (an ephemeral volume). */
    public static DmUuid plain(MappingName name) {
        return new DmUuid("PLAIN", Optional.empty(), name.value());
    }

    /** Reads a DM UUID; empty when it is not cryptsetup's form (not a dm-crypt mapping made by cryptsetup or us). */
    public static Optional<DmUuid> parse(String dmUuid) {
        Matcher m = WITH_UUID.matcher(dmUuid);
        if (m.matches()) {
            String h = m.group(2);
            String uuid = h.substring(0, 8) + "-" + h.substring(8, 12) + "-" + h.substring(12, 16) + "-"
                    + h.substring(16, 20) + "-" + h.substring(20);
            return Optional.of(new DmUuid(m.group(1), Optional.of(uuid), m.group(3)));
        }
        m = WITHOUT_UUID.matcher(dmUuid);
        if (m.matches()) {
            return Optional.of(new DmUuid(m.group(1), Optional.empty(), m.group(2)));
        }
        return Optional.empty();
    }

    /** The string device-mapper keeps. */
    @Override
    public String toString() {
        return "CRYPT-" + type + "-" + volumeUuid.map(u -> u.replace("-", "") + "-").orElse("") + name;
    }
}
