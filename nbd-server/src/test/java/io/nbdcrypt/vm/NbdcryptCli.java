package io.nbdcrypt.vm;

import static org.junit.jupiter.api.Assertions.assertFalse;

import io.nbdcrypt.testing.NbdcryptProgram;
import io.nbdcrypt.testsupport.ExternalTool;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code nbdcrypt} commands the guest tests run on the host ({@link NbdcryptProgram}: the
 * shaded jar under failsafe). Passphrases always go in key files, never on the command line.
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
        ExternalTool.run(NbdcryptProgram.command(args), null, 120).assertSuccess();
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
        NbdcryptProgram.Running p = NbdcryptProgram.start(args, null, log);
        if (!p.uri().equals("nbd+unix:///?socket=" + socket.toAbsolutePath())) {
            p.close();
            throw new AssertionError("nbdcrypt serve printed '" + p.uri() + "' instead of its URI; log:\n"
                    + Files.readString(log));
        }
        return new Server(p, socket, log);
    }

    /** A running {@code nbdcrypt serve}. */
    record Server(NbdcryptProgram.Running process, Path socket, Path log) implements AutoCloseable {
        String uri() {
            return "nbd+unix:///?socket=" + socket.toAbsolutePath();
        }

        /** Stops it as an operator would (SIGTERM): in-flight requests finish, data is flushed, the socket goes. */
        void stop() {
            process.stop();
            assertFalse(Files.exists(socket), "nbdcrypt serve left its socket " + socket + " behind");
        }

        /** Kills it if still running (test clean-up after a failure). */
        @Override
        public void close() {
            process.close();
        }

        String logText() {
            try {
                return Files.readString(log);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /**
     * The start of a guest script that runs our jar: {@code NBDCRYPT} (the {@link #guestCommand})
     * and guest-jvm.sh's {@code nbdcrypt} function, which reruns a JVM that crashed under TCG once
     * and reports it ({@code report_jvm_crashes}).
     */
    static String guestScriptPrelude() throws IOException {
        try (var in = NbdcryptCli.class.getResourceAsStream("guest-jvm.sh")) {
            if (in == null) {
                throw new IOException("test resource guest-jvm.sh missing");
            }
            return "NBDCRYPT='" + String.join(" ", guestCommand()) + "'\n"
                    + new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    /**
     * The java command line that runs the shipped jar as {@code ./nbdcrypt} runs a daemon command
     * (the argfiles of {@code scripts/jvm/} with {@code daemon.args}, the AOT cache when the build
     * made one), plus {@code tcg-guest.args}, by absolute host paths: a guest with the host's / in
     * a chroot runs it as it is.
     */
    static List<String> guestCommand() {
        List<String> cmd = new ArrayList<>(io.nbdcrypt.testsupport.JvmFlags.javaCommand());
        Path native_ = Path.of(io.nbdcrypt.testsupport.JvmFlags.argfiles().getFirst().substring(1));
        cmd.add("@" + native_.resolveSibling("daemon.args"));
        // A JVM that dies in the guest leaves its report where the guest scripts print it from.
        cmd.add("-XX:ErrorFile=/tmp/hs_err_pid%p.log");
        cmd.add("@" + native_.resolveSibling("tcg-guest.args"));   // why: the file
        Path jar = Path.of(System.getProperty("nbdcrypt.jar", "nbd-server/target/nbdcrypt.jar")).toAbsolutePath();
        Path aot = jar.resolveSibling("nbdcrypt.aot");
        if (Files.isRegularFile(aot)) {
            cmd.add("-XX:AOTCache=" + aot);
        }
        cmd.addAll(List.of("-jar", jar.toString()));
        return cmd;
    }
}
