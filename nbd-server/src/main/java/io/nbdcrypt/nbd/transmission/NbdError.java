package io.nbdcrypt.nbd.transmission;

/**
 * A failed request as the client will see it: one of the spec's error values
 * ({@code NbdProtocol.EPERM} ...) and a message naming the request and the reason. The message
 * travels in structured error chunks and logs; it never holds data or key material.
 */
public record NbdError(int errno, String message) {}
