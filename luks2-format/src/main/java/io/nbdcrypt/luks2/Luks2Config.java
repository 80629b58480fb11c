package io.nbdcrypt.luks2;

import java.util.List;

/**
 * The validated {@code config} section.
 *
 * @param jsonSize     bytes of the JSON area (hdr_size - 4096)
 * @param keyslotsSize bytes of the keyslots area after the two header copies
 * @param flags        activation flags (kept, not interpreted)
 * @param requirements {@code requirements.mandatory}: empty, or nbdcrypt's authenticated mode
 *                     ({@link io.nbdcrypt.luks2.segment.AuthenticatedIntegrity#REQUIREMENT})
 */
public record Luks2Config(long jsonSize, long keyslotsSize, List<String> flags, List<String> requirements) {
    public Luks2Config {
        flags = List.copyOf(flags);
        requirements = List.copyOf(requirements);
    }

    public Luks2Config(long jsonSize, long keyslotsSize, List<String> flags) {
        this(jsonSize, keyslotsSize, flags, List.of());
    }
}
