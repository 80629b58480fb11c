/**
 * Pure NBD framing: decoders are explicit state machines that turn bytes into messages (decode
 * failures are messages too: {@code BadOptionMagic}, {@code OptionTooLarge}, {@code
 * BadRequestMagic}, {@code UnknownCommand}), encoders turn messages into bytes. Command types and
 * flags leave the decoder typed ({@link io.nbdcrypt.nbd.wire.CommandType}, {@link
 * io.nbdcrypt.nbd.wire.CommandFlags}); nothing past it compares bare numbers. No sockets, no
 * devices: tested with {@code EmbeddedChannel} and byte fixtures, buffers leak-checked.
 */
package io.nbdcrypt.nbd.codec;
