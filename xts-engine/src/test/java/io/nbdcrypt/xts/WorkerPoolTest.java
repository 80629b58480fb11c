package io.nbdcrypt.xts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class WorkerPoolTest {
    /**
     * Two threads taking turns must each get their own worker back every time; trading workers
     * pulls the worker's scratch (and the pool slot) across cores on every call. The threads
     * are picked so that their ids fall on the same slot modulo the slot count, which is how the
     * pool once chose a thread's first slot.
     */
    @Test
    void borrow_twoThreadsTakingTurns_eachKeepsItsOwnWorker() throws Exception {
        AtomicLong made = new AtomicLong();
        WorkerPool<Object> pool = new WorkerPool<>("test", () -> "worker " + made.incrementAndGet(), w -> {});
        ExecutorService[] threads = threadsWithCollidingIds(Math.max(4, 2 * Runtime.getRuntime().availableProcessors())); // the old slot count
        try {
            // Each thread holds a worker while the other borrows, so two are made; then both go back.
            Object a = threads[0].submit(pool::borrow).get();
            Object b = threads[1].submit(pool::borrow).get();
            threads[0].submit(() -> pool.release(a)).get();
            threads[1].submit(() -> pool.release(b)).get();
            for (int round = 0; round < 200; round++) {
                for (int t = 0; t < 2; t++) {
                    Object expected = t == 0 ? a : b;
                    String what = "thread " + t + " round " + round;
                    threads[t].submit(() -> {
                        Object w = pool.borrow();
                        pool.release(w);
                        assertSame(expected, w, what);
                    }).get();
                }
            }
        } finally {
            for (ExecutorService e : threads) {
                e.shutdownNow();
            }
        }
        assertEquals(2L, made.get(), "workers made");
    }

    @Test
    void borrow_afterClose_failsAndReleasedWorkersAreRetired() {
        List<Object> retired = new ArrayList<>();
        WorkerPool<Object> pool = new WorkerPool<>("test cipher", Object::new, retired::add);
        Object w = pool.borrow();
        Object pooled = pool.borrow();
        pool.release(pooled);
        pool.close();
        assertTrue(retired.contains(pooled), "pooled worker retired by close");
        pool.release(w);
        assertTrue(retired.contains(w), "worker returned after close retired");
        IllegalStateException e = assertThrows(IllegalStateException.class, pool::borrow);
        assertTrue(e.getMessage().contains("test cipher is closed"), e.getMessage());
    }

    /** Two single-thread executors whose thread ids are equal modulo {@code n}. */
    private static ExecutorService[] threadsWithCollidingIds(int n) throws Exception {
        List<ExecutorService> spare = new ArrayList<>();
        ExecutorService first = Executors.newSingleThreadExecutor();
        long firstId = threadId(first);
        while (true) {
            ExecutorService e = Executors.newSingleThreadExecutor();
            if (threadId(e) % n == firstId % n) {
                spare.forEach(ExecutorService::shutdownNow);
                return new ExecutorService[] {first, e};
            }
            spare.add(e);
        }
    }

    private static long threadId(ExecutorService e) throws Exception {
        AtomicReference<Long> id = new AtomicReference<>();
        e.submit(() -> id.set(Thread.currentThread().threadId())).get();
        return id.get();
    }
}
