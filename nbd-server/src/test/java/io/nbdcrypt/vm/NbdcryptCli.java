package io.nbdcrypt.vm;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nbdcrypt.testsupport.ExternalTool;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The {@code nbdcrypt} program as a user runs it, in a child JVM: the shaded
 * {@code nbd-server/target/nbdcrypt.jar} when failsafe names it ({@code nbdcrypt.jar}, built
 * by {@code package} before the ITs), else {@code io.nbdcrypt.cli.Main} from the test class
 * path (a run from an IDE). Passphrases always go in key files, never on the command line.
 */
final class NbdcryptCli {
    /** cryptsetup's minimum PBKDF2 cost: a test volume unlocks in milliseconds. */
    static final List<String> FAST_KDF = List.of("--pbkdf", "pbkdf2", "--pbkdf-force-iterations", "1000");

    private NbdcryptCli() {}

    /**
     * {@code nbdcrypt format -q --key-file PASSPHRASE FAST_KDF [options...] IMAGE}: a new LUKS2
     * volume (by default aes-xts-plain64, 512-bit key, 4096-byte sectors).
     */
    static void format(Path image, Path passphrase, String... options) {
        List<String> args = new ArrayList<>(List.of("format", "-q", "--key-file", passphrase.toString()));
        args.addAll(FAST_KDF);
        args.addAll(List.of(options));
        args.add(image.toString());
        ExternalTool.run(command(args), null, 120).assertSuccess();
    }

    /**
     * {@code nbdcrypt serve IMAGE --key-file PASSPHRASE --socket SOCKET [--read-only]}; returns
     * once the program printed its URI (it listens then). Its stderr goes to {@code log}.
     */
    static Server serve(Path image, Path passphrase, Path socket, boolean readOnly, Path log) throws IOException {
        List<String> args = new ArrayList<>(List.of("serve", image.toString(), "--key-file", passphrase.toString(),
                "--socket", socket.toString()));
        if (readOnly) {
            args.add("--read-only");
        }
        Process p = new ProcessBuilder(command(args)).redirectError(log.toFile()).start();
        String uri = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
        if (uri == null || !uri.equals("nbd+unix:///?socket=" + socket.toAbsolutePath())) {
            p.destroyForcibly();
            throw new AssertionError("nbdcrypt serve printed '" + uri + "' instead of its URI; log:\n"
                    + Files.readString(log));
        }
        return new Server(p, socket, log);
    }

    /** A running {@code nbdcrypt serve}. */
    record Server(Process process, Path socket, Path log) implements AutoCloseable {
        String uri() {
            return "nbd+unix:///?socket=" + socket.toAbsolutePath();
        }

        /** Stops it as an operator would (SIGTERM): in-flight requests finish, data is flushed, the socket goes. */
        void stop() {
            process.destroy();
            try {
                assertTrue(process.waitFor(60, TimeUnit.SECONDS), "nbdcrypt serve still running 60 s after SIGTERM");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
            assertFalse(Files.exists(socket), "nbdcrypt serve left its socket " + socket + " behind");
        }

        /** Kills it if still running (test clean-up after a failure). */
        @Override
        public void close() {
            process.destroyForcibly();
        }

        String logText() {
            try {
                return Files.readString(log);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static List<String> command(List<String> args) {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "--add-modules=jdk.incubator.vector"));
        String jar = System.getProperty("nbdcrypt.jar", "");
        if (!jar.isEmpty() && Files.isRegularFile(Path.of(jar))) {
            cmd.addAll(List.of("-jar", jar));
        } else {
            cmd.addAll(Arrays.asList("-cp", System.getProperty("java.class.path"), "io.nbdcrypt.cli.Main"));
        }
        cmd.addAll(args);
        return cmd;
    }
}
