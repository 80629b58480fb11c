package io.nbdcrypt.nbd.codec;

/**
 * A request header did not start with the request magic; the byte stream can no longer be
 * framed, so the only safe answer is to finish what is in flight and close.
 */
public record BadRequestMagic(int magic) implements RequestMessage {}
