/**
 * LUKS2: read both header copies and keep the valid one with the highest seqid
 * ({@link io.nbdcrypt.luks2.Luks2HeaderReader}), validate the JSON metadata in cryptsetup's
 * order ({@code HeaderValidator}), unlock and manage keyslots and expose the data segment
 * ({@link io.nbdcrypt.luks2.Luks2Volume}), create new volumes
 * ({@link io.nbdcrypt.luks2.Luks2Formatter}). The subpackages hold one concern each, as
 * cryptsetup's {@code lib/luks2/} does: {@code disk} (binary header, checksum, both copies),
 * {@code json} (bounded parsing, typed fields), {@code keyslot}, {@code digest},
 * {@code segment}, {@code token}. They depend on {@code io.nbdcrypt.luks.common}, never on
 * this package.
 */
package io.nbdcrypt.luks2;
