package io.nbdcrypt.nbd.handshake;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

class ConnectionLogTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void floodOfOneKind_oneWarningPerInterval_nextOneCountsTheRest() {
        Logger logger = Logger.getLogger("ConnectionLogTest.flood");
        logger.setUseParentHandlers(false);
        List<String> warnings = new CopyOnWriteArrayList<>();
        logger.addHandler(new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (r.getLevel() == Level.WARNING) {
                    warnings.add(r.getMessage());
                }
            }

            @Override public void flush() {}

            @Override public void close() {}
        });
        AtomicLong now = new AtomicLong(100 * SECOND);
        ConnectionLog log = new ConnectionLog(logger, 10 * SECOND, now::get);
        for (int i = 0; i < 1900; i++) {
            int n = i;
            log.warn(ConnectionLog.Kind.REFUSED, () -> "refused " + n);
            now.addAndGet(SECOND / 1000);   // 1900 refusals in 1.9 s
        }
        log.warn(ConnectionLog.Kind.TIMED_OUT, () -> "timed out");   // another kind is not held back
        now.addAndGet(10 * SECOND);
        log.warn(ConnectionLog.Kind.REFUSED, () -> "refused again");
        assertEquals(List.of("refused 0", "timed out",
                "refused again (1899 more refused connections not logged in the last 10 s)"), warnings);
    }
}
