package io.nbdcrypt.nbd.server;

import io.netty.channel.Channel;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Who holds the server's connection slots, and who gets one: the admission policy described
 * in {@link ServerConfig}. A connection is negotiating from accept until it enters the
 * transmission phase, then established until it closes.
 *
 * <p>When a newcomer finds the slots full, the connection that has been negotiating longest
 * gives up its slot, provided it has been at it for {@link #EVICTION_AGE_NANOS} or more: a
 * real client finishes in milliseconds, so one still negotiating after a second is stuck or
 * hostile, while a burst of fresh connections cannot push each other out. Established
 * connections are never evicted.
 *
 * <p>Thread-safe: accepts arrive on several event loops; every method holds the monitor
 * briefly, and closing an evicted channel is left to the caller, outside it.
 */
final class ConnectionSlots {
    /** How long a negotiation may run before a newcomer may take its slot. */
    static final long EVICTION_AGE_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final int maxConnections;
    private final int maxNegotiating;
    private final long evictionAgeNanos;
    /** Negotiating connections by accept time, oldest first (insertion order). */
    private final LinkedHashMap<Channel, Long> negotiating = new LinkedHashMap<>();
    private final Set<Channel> established = Collections.newSetFromMap(new IdentityHashMap<>());

    ConnectionSlots(int maxConnections, int maxNegotiating) {
        this(maxConnections, maxNegotiating, EVICTION_AGE_NANOS);
    }

    ConnectionSlots(int maxConnections, int maxNegotiating, long evictionAgeNanos) {
        this.maxConnections = maxConnections;
        this.maxNegotiating = maxNegotiating;
        this.evictionAgeNanos = evictionAgeNanos;
    }

    /** The answer to a new connection. */
    sealed interface Admission {
        /** Take a free slot. */
        record Admitted() implements Admission {}

        /** Take {@code evicted}'s slot; the caller closes {@code evicted}. */
        record AdmittedEvicting(Channel evicted) implements Admission {}

        /** No slot: close the newcomer. */
        record Refused(int open, int negotiating) implements Admission {}
    }

    /** Admits {@code ch} (accepted at {@code nowNanos}) as negotiating, evicting if needed, or refuses it. */
    synchronized Admission admit(Channel ch, long nowNanos) {
        boolean full = open() >= maxConnections || negotiating.size() >= maxNegotiating;
        if (!full) {
            negotiating.put(ch, nowNanos);
            return new Admission.Admitted();
        }
        Iterator<Map.Entry<Channel, Long>> oldest = negotiating.entrySet().iterator();
        if (oldest.hasNext()) {
            Map.Entry<Channel, Long> e = oldest.next();
            if (nowNanos - e.getValue() >= evictionAgeNanos) {
                oldest.remove();
                negotiating.put(ch, nowNanos);
                return new Admission.AdmittedEvicting(e.getKey());
            }
        }
        return new Admission.Refused(open(), negotiating.size());
    }

    /**
     * {@code ch} finished negotiating. Returns false if it no longer holds a slot (it was
     * evicted an instant before), in which case it is being closed and must not be served.
     */
    synchronized boolean established(Channel ch) {
        if (negotiating.remove(ch) == null) {
            return false;
        }
        established.add(ch);
        return true;
    }

    /** {@code ch} closed: its slot is free, whichever kind it was. */
    synchronized void closed(Channel ch) {
        if (negotiating.remove(ch) == null) {
            established.remove(ch);
        }
    }

    /** Connections holding a slot. */
    synchronized int open() {
        return negotiating.size() + established.size();
    }

    synchronized int negotiating() {
        return negotiating.size();
    }
}
