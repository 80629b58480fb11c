package io.nbdcrypt.nbd.transmission;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters shared by every connection of one server; tests read them to prove behaviour
 * (e.g. that a client which never reads its replies made the server stop reading) without
 * relying on timing.
 */
public final class NbdMetrics {
    final LongAdder connectionsAccepted = new LongAdder();
    final LongAdder connectionsRefused = new LongAdder();
    final LongAdder handshakeTimeouts = new LongAdder();
    final LongAdder handshakesEvicted = new LongAdder();
    final LongAdder protocolErrors = new LongAdder();
    final LongAdder requests = new LongAdder();
    final LongAdder errorReplies = new LongAdder();
    final LongAdder readPauses = new LongAdder();
    final LongAdder workerWrites = new LongAdder();
    final LongAdder workerHandOvers = new LongAdder();
    final AtomicLong maxOutstandingBytes = new AtomicLong();
    final AtomicLong maxInFlight = new AtomicLong();

    /**
     * Raises a server-wide maximum to {@code value}; read first, because accumulateAndGet writes
     * (and pulls the cache line to this event loop) on every request even when nothing changes.
     */
    static void raiseTo(AtomicLong max, long value) {
        if (value > max.get()) {
            max.accumulateAndGet(value, Math::max);
        }
    }

    public long connectionsAccepted() { return connectionsAccepted.sum(); }
    public long connectionsRefused() { return connectionsRefused.sum(); }
    /** Negotiations cut because the client went silent or did not finish in time. */
    public long handshakeTimeouts() { return handshakeTimeouts.sum(); }
    /** Negotiating connections closed to make room for a new one (see {@code ServerConfig}). */
    public long handshakesEvicted() { return handshakesEvicted.sum(); }
    /** Handshakes or request streams dropped for malformed input, and handshakes cut by a timeout. */
    public long protocolErrors() { return protocolErrors.sum(); }
    public long requests() { return requests.sum(); }
    public long errorReplies() { return errorReplies.sum(); }
    /** Times a connection stopped reading because too much was outstanding. */
    public long readPauses() { return readPauses.sum(); }
    /** Replies a worker wrote to the socket itself (see {@code ReplyWriter}). */
    public long workerWrites() { return workerWrites.sum(); }
    /** Of those, replies whose rest went to the event loop because the client stopped reading. */
    public long workerHandOvers() { return workerHandOvers.sum(); }
    /** Highest bytes held for one connection (write payloads not yet done plus replies not yet sent). */
    public long maxOutstandingBytes() { return maxOutstandingBytes.get(); }
    /** Highest number of requests one connection had admitted and not yet fully replied to. */
    public long maxInFlight() { return maxInFlight.get(); }

    /** Counts a connection refused at the connection limit. */
    public void connectionRefused() { connectionsRefused.increment(); }
    /** Counts an accepted connection. */
    public void connectionAccepted() { connectionsAccepted.increment(); }
    /** Counts a negotiation cut by a handshake timeout. */
    public void handshakeTimedOut() { handshakeTimeouts.increment(); }
    /** Counts a negotiating connection evicted for a newcomer. */
    public void handshakeEvicted() { handshakesEvicted.increment(); }
    /** Counts a connection dropped for malformed input. */
    public void protocolError() { protocolErrors.increment(); }
}
