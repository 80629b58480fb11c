package io.nbdcrypt.provision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The socket {@code nbdcrypt destroy} talks to (as root: it lives under /run/nbdcrypt). */
class ControlSocketTest {
    private static Path device(String name) {
        return Path.of("/dev", "control-socket-test-" + name + "-" + ProcessHandle.current().pid());
    }

    @Test
    void closeWaitsUntilTheReplyBeingWrittenIsOut() throws Exception {
        // The provision process closes its control socket and exits as soon as the volume is
        // destroyed; the reply to the destroy request that did it must be out by then.
        CountDownLatch destroying = new CountDownLatch(1);
        AtomicBoolean destroyed = new AtomicBoolean();
        Path dev = device("close");
        ControlSocket control = ControlSocket.listen(dev, req -> {
            destroying.countDown();
            sleep(500);
            destroyed.set(true);
            return "{\"ok\":true}";
        });
        CompletableFuture<String> reply = CompletableFuture.supplyAsync(() -> {
            try {
                return ControlSocket.requestDestroy(dev);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        assertTrue(destroying.await(10, TimeUnit.SECONDS));
        control.close();
        assertTrue(destroyed.get(), "close() returned while the destroy was still being answered");
        assertEquals("{\"ok\":true}", reply.get(10, TimeUnit.SECONDS));
    }

    @Test
    void aDestroyThatThrowsStillGetsAReportAndTheSocketKeepsAnswering() throws Exception {
        Path dev = device("throws");
        try (ControlSocket control = ControlSocket.listen(dev, req -> {
            throw new IllegalStateException("device \"x\" vanished");
        })) {
            for (int i = 0; i < 2; i++) {
                String reply = ControlSocket.requestDestroy(dev);
                assertTrue(reply.startsWith("{\"ok\":false,\"errors\":[\"destroy failed: "), reply);
                assertTrue(reply.contains("device \\\"x\\\" vanished"), reply);
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
