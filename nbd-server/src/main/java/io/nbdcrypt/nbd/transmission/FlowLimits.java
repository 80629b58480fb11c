package io.nbdcrypt.nbd.transmission;

/**
 * Per-connection bounds that keep one client from exhausting the server's memory.
 *
 * @param maxPayload      largest read or write payload (advertised as the maximum block size)
 * @param maxInFlight     requests admitted to the workers and not yet fully replied to
 * @param highWaterBytes  stop reading from the socket when this many bytes are held
 *                        (write payloads received, read replies not yet sent)
 * @param lowWaterBytes   resume reading below this
 */
public record FlowLimits(int maxPayload, int maxInFlight, long highWaterBytes, long lowWaterBytes) {

    public static final int DEFAULT_MAX_PAYLOAD = 32 << 20;

    public FlowLimits {
        if (maxPayload < 512 || maxInFlight < 1 || lowWaterBytes > highWaterBytes || highWaterBytes < maxPayload) {
            throw new IllegalArgumentException("inconsistent flow limits: payload " + maxPayload + ", in-flight "
                    + maxInFlight + ", water marks " + lowWaterBytes + "/" + highWaterBytes);
        }
    }

    /** 32 MiB requests, 128 in flight, reading stops above 64 MiB held and resumes below 32 MiB. */
    public static FlowLimits defaults() {
        return new FlowLimits(DEFAULT_MAX_PAYLOAD, 128, 64L << 20, 32L << 20);
    }
}
