package io.nbdcrypt.nbd.transmission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MemoryBudgetTest {
    private static final long MIB = 1 << 20;
    /** The daemon's heap (scripts/jvm/daemon.args). */
    private static final long DAEMON_HEAP = 32 * MIB;

    @Test
    void withoutADeviceCacheRequestsMayHoldAThirdOfTheHeap() {
        assertEquals(DAEMON_HEAP / 3, MemoryBudget.forHeap(DAEMON_HEAP, 0).limitBytes());
        assertEquals(256 * MIB, MemoryBudget.forHeap(8192 * MIB, 0).limitBytes());
        assertEquals(Math.min(Runtime.getRuntime().maxMemory() / 3, 256 * MIB), MemoryBudget.forThisJvm().limitBytes());
    }

    @Test
    void aDeviceCacheAndTheRequestsTogetherLeaveMostOfTheHeapFree() {
        // The authenticated mode's default node cache is a third of the heap; what requests may
        // hold on top of it must leave the rest of the daemon (classes' data, Netty's pool, the
        // serial collector's room) at least half of its 32 MiB.
        long cache = DAEMON_HEAP / 3;
        long requests = MemoryBudget.forHeap(DAEMON_HEAP, cache).limitBytes();
        assertTrue(cache + requests <= DAEMON_HEAP / 2, "cache " + cache + " + requests " + requests);
        assertTrue(requests >= 4 * MIB, "requests " + requests + ": fewer than four 1 MiB writes at once");
    }

    @Test
    void aCacheAsLargeAsTheHeapStillLetsOneRequestThrough() {
        assertEquals(MIB, MemoryBudget.forHeap(DAEMON_HEAP, DAEMON_HEAP).limitBytes());
    }
}
