/**
 * LUKS1, read only as far as the header goes: parse and validate the 592-byte header
 * ({@link io.nbdcrypt.luks1.Luks1Header}), unlock a keyslot and expose the payload
 * ({@link io.nbdcrypt.luks1.Luks1Volume}) with the cipher allow-list of
 * {@link io.nbdcrypt.luks1.Luks1Cipher}. Shares only {@code io.nbdcrypt.luks.common} with LUKS2.
 */
package io.nbdcrypt.luks1;
