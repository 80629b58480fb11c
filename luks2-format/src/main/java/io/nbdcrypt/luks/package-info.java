/**
 * The entry point to LUKS volumes: {@link io.nbdcrypt.luks.LuksVolumes} tells LUKS1 from LUKS2
 * by the header's magic and version, opens files, validates the header (untrusted input),
 * unlocks a keyslot and hands back the plaintext as a {@code BlockDevice}.
 *
 * <p>Data path: raw disk ({@code FileBlockDevice}) → header and keyslot
 * ({@code io.nbdcrypt.luks2} / {@code io.nbdcrypt.luks1}) → sector transform and volume
 * ({@code EncryptedVolume} in xts-engine) → the NBD server in nbd-server. This package is the
 * only one in luks2-format that knows both formats or touches files; {@code ArchitectureTest}
 * keeps it so.
 */
package io.nbdcrypt.luks;
