package io.nbdcrypt.nbd.server;

import static org.junit.jupiter.api.Assertions.*;

import io.nbdcrypt.nbd.server.ConnectionSlots.Admission;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The admission policy alone, with the clock passed in: no sockets, no sleeping. */
class ConnectionSlotsTest {
    private static final long SECOND = 1_000_000_000L;
    private final List<EmbeddedChannel> channels = new ArrayList<>();

    private Channel channel() {
        EmbeddedChannel c = new EmbeddedChannel();
        channels.add(c);
        return c;
    }

    @AfterEach
    void closeChannels() {
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
    }

    @Test
    void burstOfNewConnections_fillTheSlotsThenAreRefused() {
        ConnectionSlots slots = new ConnectionSlots(4, 16);
        for (int i = 0; i < 4; i++) {
            assertInstanceOf(Admission.Admitted.class, slots.admit(channel(), i));
        }
        // Each negotiation is a few nanoseconds old: none may be pushed out.
        assertInstanceOf(Admission.Refused.class, slots.admit(channel(), 10));
        assertEquals(4, slots.open());
    }

    @Test
    void slotsHeldByStuckNegotiations_newcomerTakesTheOldestOnesSlot() {
        ConnectionSlots slots = new ConnectionSlots(4, 16);
        List<Channel> stuck = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            stuck.add(channel());
            slots.admit(stuck.get(i), i * SECOND / 10);
        }
        Channel client = channel();
        Admission a = slots.admit(client, 2 * SECOND);
        assertEquals(new Admission.AdmittedEvicting(stuck.getFirst()), a);
        assertTrue(slots.established(client), "the newcomer finishes its handshake and keeps its slot");
        assertFalse(slots.established(stuck.getFirst()), "an evicted connection holds no slot");
        assertEquals(4, slots.open());
    }

    @Test
    void establishedConnections_areNeverEvicted_evenIdleForHours() {
        ConnectionSlots slots = new ConnectionSlots(2, 16);
        Channel a = channel();
        Channel b = channel();
        slots.admit(a, 0);
        slots.admit(b, 0);
        slots.established(a);
        slots.established(b);
        assertInstanceOf(Admission.Refused.class, slots.admit(channel(), 3600 * SECOND));
    }

    @Test
    void negotiatingBound_isSeparateFromTheConnectionLimit() {
        ConnectionSlots slots = new ConnectionSlots(16, 2);
        slots.admit(channel(), 0);
        slots.admit(channel(), 0);
        assertInstanceOf(Admission.Refused.class, slots.admit(channel(), 1));
        assertEquals(2, slots.negotiating());
        // Established ones do not count against the negotiating bound.
        ConnectionSlots other = new ConnectionSlots(16, 2);
        for (int i = 0; i < 5; i++) {
            Channel c = channel();
            assertInstanceOf(Admission.Admitted.class, other.admit(c, i));
            other.established(c);
        }
        assertEquals(5, other.open());
        assertEquals(0, other.negotiating());
    }

    @Test
    void closedConnections_freeTheirSlotWhicheverKind() {
        ConnectionSlots slots = new ConnectionSlots(2, 16);
        Channel a = channel();
        Channel b = channel();
        slots.admit(a, 0);
        slots.admit(b, 0);
        slots.established(a);
        slots.closed(a);
        slots.closed(b);
        assertEquals(0, slots.open());
        Channel evicted = channel();
        slots.admit(evicted, 0);
        slots.admit(channel(), 0);
        slots.admit(channel(), 2 * SECOND);   // evicts the first
        slots.closed(evicted);                 // its close arrives later: counted once only
        assertEquals(2, slots.open());
    }
}
