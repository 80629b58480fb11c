/**
 * What LUKS1 and LUKS2 share, below both: the typed exceptions
 * ({@link io.nbdcrypt.luks.common.LuksFormatException} for a refused header,
 * {@link io.nbdcrypt.luks.common.WrongPassphraseException}), the magic
 * ({@link io.nbdcrypt.luks.common.LuksMagic}), the sector-size rule, the KDF floors, the
 * PBKDF2 key digest, where the header lives ({@link io.nbdcrypt.luks.common.HeaderLocation})
 * and what an opened volume is ({@link io.nbdcrypt.luks.common.VolumeInfo}). Depends on no
 * format package.
 */
package io.nbdcrypt.luks.common;
