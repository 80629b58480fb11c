package io.nbdcrypt.block.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/** The failure log under a flood, on a clock the test moves (no sleeping). */
class FailureLogTest {
    @Test
    void failed_floodOfDistinctSectors_tenLinesPerWindowThenSaysHowManyWereLeftOut() {
        long[] now = {0};
        List<String> lines = new ArrayList<>();
        FailureLog log = new FailureLog(capturing(lines), "vol", () -> now[0]);
        for (long s = 0; s < 25; s++) {
            log.failed(s, "sector " + s + " failed");
        }
        assertEquals(FailureLog.LINES_PER_WINDOW, lines.size());
        assertTrue(lines.get(0).contains("sector 0 failed") && lines.get(0).contains("EIO"), lines.get(0));
        now[0] += FailureLog.WINDOW_SECONDS * 1_000_000_000L;
        assertTrue(log.failed(100, "sector 100 failed"));
        assertTrue(lines.getLast().contains("15 more failure(s) not logged"), lines.getLast());
    }

    @Test
    void failed_sameSectorAgain_loggedOnce() {
        List<String> lines = new ArrayList<>();
        FailureLog log = new FailureLog(capturing(lines), "vol", () -> 0);
        assertTrue(log.failed(7, "sector 7 failed"));
        assertFalse(log.failed(7, "sector 7 failed"));
        assertEquals(1, lines.size());
    }

    private static Logger capturing(List<String> lines) {
        Logger logger = Logger.getAnonymousLogger();
        logger.setUseParentHandlers(false);
        logger.addHandler(new Handler() {
            @Override
            public void publish(LogRecord r) {
                lines.add(r.getMessage());
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        });
        return logger;
    }
}
