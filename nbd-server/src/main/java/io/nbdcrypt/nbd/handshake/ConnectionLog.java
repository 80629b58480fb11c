package io.nbdcrypt.nbd.handshake;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Warnings about connections that never reach the transmission phase: refused at the limit,
 * evicted to make room, cut by a handshake timeout, or dropped for malformed input. A hostile
 * or broken client can cause thousands of these a minute, so each kind logs at most one
 * WARNING per interval, saying how many of its kind were not logged since; the rest go to
 * FINE. The counts themselves are in {@code NbdMetrics}. Thread-safe: shared by every
 * connection of a server.
 */
public final class ConnectionLog {
    /** What happened to a connection. */
    public enum Kind { REFUSED, EVICTED, TIMED_OUT, PROTOCOL_ERROR }

    public static final long DEFAULT_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final Logger log;
    private final long intervalNanos;
    private final LongSupplier clock;
    private final Map<Kind, Throttle> throttles = new EnumMap<>(Kind.class);

    /** One WARNING per kind per 10 s. */
    public ConnectionLog(Logger log) {
        this(log, DEFAULT_INTERVAL_NANOS, System::nanoTime);
    }

    /** @param clock nanoTime-like ticks (tests pass their own) */
    ConnectionLog(Logger log, long intervalNanos, LongSupplier clock) {
        this.log = log;
        this.intervalNanos = intervalNanos;
        this.clock = clock;
        for (Kind k : Kind.values()) {
            throttles.put(k, new Throttle(clock.getAsLong()));
        }
    }

    /** Logs {@code message} at WARNING unless one of this kind was logged within the interval. */
    public void warn(Kind kind, Supplier<String> message) {
        long suppressed = throttles.get(kind).admit(clock.getAsLong(), intervalNanos);
        if (suppressed >= 0) {
            log.warning(() -> message.get() + (suppressed == 0 ? ""
                    : " (" + suppressed + " more " + kind.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
                    + " connections not logged in the last " + TimeUnit.NANOSECONDS.toSeconds(intervalNanos) + " s)"));
        } else if (log.isLoggable(Level.FINE)) {
            log.fine(message);
        }
    }

    /** Lock-free: when the interval has passed, one caller wins the slot and reports the count. */
    private static final class Throttle {
        /** nanoTime from which the next warning may be logged (compared by difference: it wraps). */
        private final AtomicLong nextAllowed;
        private final AtomicLong suppressed = new AtomicLong();

        Throttle(long now) {
            nextAllowed = new AtomicLong(now);
        }

        /** The number suppressed since the last warning if this call may warn, else -1. */
        long admit(long now, long interval) {
            long next = nextAllowed.get();
            if (now - next >= 0 && nextAllowed.compareAndSet(next, now + interval)) {
                return suppressed.getAndSet(0);
            }
            suppressed.incrementAndGet();
            return -1;
        }
    }
}
