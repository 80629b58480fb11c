package io.nbdcrypt.block.auth;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Logs authentication failures without letting a hostile host flood the log: each failing
 * sector (or metadata node) once, and at most {@value #LINES_PER_WINDOW} lines per
 * {@value #WINDOW_SECONDS} seconds; what is left out is counted and said with the next line.
 * Thread-safe and non-blocking.
 */
final class FailureLog {
    static final int LINES_PER_WINDOW = 10;
    static final int WINDOW_SECONDS = 10;
    /** Sectors remembered as logged; past this the memory starts over (bounded on a 1 TiB volume). */
    private static final int REMEMBERED = 4096;

    private final Logger log;
    private final String volume;
    private final LongSupplier nanoTime;
    private final Map<Long, Boolean> logged = new ConcurrentHashMap<>();
    private final AtomicLong windowStart;
    private final AtomicLong linesInWindow = new AtomicLong();
    private final AtomicLong suppressed = new AtomicLong();

    /** @param nanoTime the clock ({@code System::nanoTime}; tests pass their own) */
    FailureLog(Logger log, String volume, LongSupplier nanoTime) {
        this.log = log;
        this.volume = volume;
        this.nanoTime = nanoTime;
        this.windowStart = new AtomicLong(nanoTime.getAsLong());
    }

    /**
     * Records a failure of {@code what} (a sector index, or -1 - a metadata node's key for a
     * metadata node) with its message; returns whether a line was logged.
     */
    boolean failed(long what, String message) {
        if (logged.size() >= REMEMBERED) {
            logged.clear();
        }
        if (logged.putIfAbsent(what, Boolean.TRUE) != null) {
            suppressed.incrementAndGet();
            return false;
        }
        long now = nanoTime.getAsLong();
        long start = windowStart.get();
        if (now - start >= WINDOW_SECONDS * 1_000_000_000L && windowStart.compareAndSet(start, now)) {
            linesInWindow.set(0);
        }
        if (linesInWindow.incrementAndGet() > LINES_PER_WINDOW) {
            suppressed.incrementAndGet();
            return false;
        }
        long left = suppressed.getAndSet(0);
        log.log(Level.WARNING, volume + ": " + message + " (EIO)"
                + (left > 0 ? "; " + left + " more failure(s) not logged" : ""));
        return true;
    }
}
