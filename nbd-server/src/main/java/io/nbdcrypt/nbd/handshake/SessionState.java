package io.nbdcrypt.nbd.handshake;

/**
 * What one connection negotiated so far.
 *
 * @param noZeroes          client set NBD_FLAG_C_NO_ZEROES: no padding after EXPORT_NAME's reply
 * @param structuredReplies NBD_OPT_STRUCTURED_REPLY was acknowledged
 */
record SessionState(boolean noZeroes, boolean structuredReplies) {
    SessionState withStructuredReplies() {
        return new SessionState(noZeroes, true);
    }
}
