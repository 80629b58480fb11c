package io.nbdcrypt.testsupport;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Waits for a condition that another thread or process makes true (a server that counted a
 * request, dropped a connection), instead of sleeping a fixed time and hoping.
 */
public final class Await {
    private Await() {}

    /**
     * Returns as soon as {@code condition} holds; fails with {@code what} after {@code limit}.
     * Checks often at first and less often later, so a quick condition costs no fixed delay.
     */
    public static void until(BooleanSupplier condition, Duration limit, String what) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        long pauseMicros = 100;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("gave up after " + limit.toSeconds() + " s waiting for: " + what);
            }
            Thread.sleep(pauseMicros / 1000, (int) (pauseMicros % 1000) * 1000);
            pauseMicros = Math.min(pauseMicros * 2, 50_000);
        }
    }
}
