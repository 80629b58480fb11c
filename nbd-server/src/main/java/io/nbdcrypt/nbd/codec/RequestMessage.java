package io.nbdcrypt.nbd.codec;

/**
 * What {@link RequestDecoder} makes of the client's bytes in the transmission phase: a request
 * of a type the spec defines, a request of a type it does not (still framed, so it can be
 * answered), or a header that lost the framing. Decode failures are values, so the
 * transmission handler decides what to answer.
 */
public sealed interface RequestMessage permits NbdRequest, UnknownCommand, BadRequestMagic {}
