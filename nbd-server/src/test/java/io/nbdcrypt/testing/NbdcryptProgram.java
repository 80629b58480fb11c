package io.nbdcrypt.testing;

import io.nbdcrypt.testsupport.JvmFlags;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The {@code nbdcrypt} program as a user runs it, in a child JVM with the program's own JVM
 * flags ({@link JvmFlags}): the shaded {@code nbd-server/target/nbdcrypt.jar} when failsafe
 * names it ({@code nbdcrypt.jar}, built by {@code package} before the ITs), else
 * {@code io.nbdcrypt.cli.Main} from the test class path (unit tests, an IDE).
 */
public final class NbdcryptProgram {
    private NbdcryptProgram() {}

    /** The command line that runs {@code nbdcrypt ARGS...}. */
    public static List<String> command(List<String> args) {
        List<String> cmd = JvmFlags.javaCommand();
        String jar = System.getProperty("nbdcrypt.jar", "");
        if (!jar.isEmpty() && Files.isRegularFile(Path.of(jar))) {
            cmd.addAll(List.of("-jar", jar));
        } else {
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.nbdcrypt.cli.Main"));
        }
        cmd.addAll(args);
        return cmd;
    }

    /** {@link #command(List)} of the given arguments. */
    public static List<String> command(String... args) {
        return command(List.of(args));
    }

    /**
     * Starts a serving command ({@code serve}, {@code demo}) and returns once it printed its
     * first stdout line, the URI it listens on. {@code stdin} (or nothing) is written to the
     * program and closed; its stderr goes to {@code log}, or to this JVM's stderr when null.
     *
     * @throws AssertionError if the program exits before printing a line
     */
    public static Running start(List<String> args, byte[] stdin, Path log) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command(args));
        pb.redirectError(log == null ? ProcessBuilder.Redirect.INHERIT : ProcessBuilder.Redirect.to(log.toFile()));
        Process p = pb.start();
        try (OutputStream in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin);
            }
        }
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        if (line == null) {
            p.destroyForcibly();
            throw new AssertionError("nbdcrypt " + String.join(" ", args) + " exited before printing its URI"
                    + (log != null ? "; log:\n" + Files.readString(log) : ""));
        }
        return new Running(p, line, out);
    }

    /** A running serving command; closing kills it if it still runs. */
    public static final class Running implements AutoCloseable {
        private final Process process;
        private final String uri;
        private final BufferedReader stdout;

        private Running(Process process, String uri, BufferedReader stdout) {
            this.process = process;
            this.uri = uri;
            this.stdout = stdout;
        }

        /** The first line it printed: {@code nbd+unix:///?socket=…} for serve and demo. */
        public String uri() {
            return uri;
        }

        public Process process() {
            return process;
        }

        /** Its stdout after the first line. */
        public BufferedReader stdout() {
            return stdout;
        }

        /**
         * Stops it as an operator would (SIGTERM: in-flight requests finish, data is flushed)
         * and returns its exit status.
         *
         * @throws AssertionError if it still runs 60 s later
         */
        public int stop() {
            process.destroy();
            try {
                if (!process.waitFor(60, TimeUnit.SECONDS)) {
                    throw new AssertionError("nbdcrypt still running 60 s after SIGTERM");
                }
                return process.exitValue();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }

        @Override
        public void close() {
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
