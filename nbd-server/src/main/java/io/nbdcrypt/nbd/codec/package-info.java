/**
 * Pure NBD framing: decoders are explicit state machines that turn bytes into messages (decode
 * failures are messages too), encoders turn messages into bytes. No sockets, no devices:
 * tested with {@code EmbeddedChannel} and byte fixtures, buffers leak-checked.
 */
package io.nbdcrypt.nbd.codec;
