package io.nbdcrypt.cli;

import io.nbdcrypt.block.EncryptedVolume;
import io.nbdcrypt.block.auth.AuthenticatedVolume;
import io.nbdcrypt.kernel.InProcessAttach;
import io.nbdcrypt.nbd.backend.Export;
import io.nbdcrypt.nbd.backend.ExportRegistry;
import io.nbdcrypt.nbd.server.NbdServer;
import io.nbdcrypt.nbd.server.ServerConfig;
import io.nbdcrypt.xts.XtsCipher;
import java.io.IOException;
import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;

/**
 * Serves one opened volume until SIGTERM/SIGINT: prints the URI(s) on stdout once listening
 * (logs go to stderr), and with {@code --attach} the {@code /dev/nbdN} it attached in-process;
 * on the signal detaches that, finishes in-flight requests, flushes, closes the device and
 * wipes the keys before the process exits.
 */
final class ServeLoop {
    private ServeLoop() {}

    static int run(OpenedVolume volume, ServeOptions options, ServerConfig config, PrintStream out) throws IOException {
        Export export = new Export(options.exportName, volume.description(), volume.device(), options.readOnly,
                options.allowDiscards);
        ExportRegistry registry = ExportRegistry.of(export);
        if (volume.device() instanceof EncryptedVolume && !XtsCipher.usesSimdTweaks()) {
            System.err.println("nbdcrypt: note: XTS tweaks computed without SIMD; run the JVM with"
                    + " --add-modules=jdk.incubator.vector (./nbdcrypt does) for about 15% more throughput");
        }
        NbdServer server;
        try {
            server = NbdServer.start(registry, config);
        } catch (IOException | RuntimeException e) {
            registry.close();
            throw e;
        }
        InProcessAttach attached = null;
        if (options.attachOptions().isPresent()) {
            try {
                attached = InProcessAttach.attach(server, export, options.attachOptions().get());
            } catch (IOException | RuntimeException e) {
                server.close();
                throw e;
            }
        }
        InProcessAttach kernelDevice = attached;
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                if (kernelDevice != null) {
                    kernelDevice.close();
                }
            } catch (IOException e) {
                System.err.println("nbdcrypt: detach: " + e.getMessage());
            }
            try {
                server.close();
            } catch (IOException e) {
                System.err.println("nbdcrypt: shutdown: " + e.getMessage());
            } finally {
                // On stderr directly: the JDK's logging may already be shut down in a shutdown hook.
                if (volume.device() instanceof AuthenticatedVolume av) {
                    System.err.println("nbdcrypt: " + av.metrics().summary());
                }
                stopped.countDown();
            }
        }, "nbdcrypt-shutdown"));
        if (config.socket() != null) {
            out.println(server.uri());
        }
        if (server.tcpAddress() != null) {
            out.println(server.tcpUri());
        }
        if (kernelDevice != null) {
            out.println(kernelDevice.device());
        }
        out.flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }
}
