/**
 * The NBD protocol's numbers, from {@code doc/proto.md} of the NetworkBlockDevice/nbd project:
 * {@link io.nbdcrypt.nbd.wire.NbdProtocol} has every magic, flag, option, reply type and error
 * value in one file to check against the spec; {@link io.nbdcrypt.nbd.wire.CommandType}, {@link
 * io.nbdcrypt.nbd.wire.CommandFlag}/{@link io.nbdcrypt.nbd.wire.CommandFlags} and {@link
 * io.nbdcrypt.nbd.wire.NbdErrno} are the typed forms used past the codec.
 */
package io.nbdcrypt.nbd.wire;
