package io.nbdcrypt.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs the real peers (cryptsetup, nbdinfo, qemu-io, openssl, python3 ...) from interop tests.
 *
 * <p>{@link #require(String)}: in CI ({@code CI=true}) a missing tool fails the test, so CI
 * can never go green by skipping; on a developer machine it skips and says which tool is
 * missing.
 */
public final class ExternalTool {
    private ExternalTool() {}

    /** Resolves {@code name} on PATH (and /usr/sbin, /sbin, where cryptsetup lives). */
    public static Path require(String name) {
        for (String dir : searchPath()) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return unavailable("external tool '" + name + "' not installed (apt packages: see .ci/run)");
    }

    /**
     * Something a test needs is not there: in CI ({@code CI=true}) the test fails, so CI can
     * never go green by skipping; elsewhere it is skipped with {@code msg} as the reason.
     * Never returns normally (the return type lets callers write {@code return unavailable(...)}).
     */
    public static Path unavailable(String msg) {
        if ("true".equals(System.getenv("CI"))) {
            throw new AssertionError(msg + "; CI must install it");
        }
        Assumptions.abort(msg + "; skipping");
        throw new AssertionError("unreachable");
    }

    /** Debian's python3 (with python3-libnbd, python3-cryptography), not a pyenv one first on PATH. */
    public static Path debianPython() {
        Path p = Path.of("/usr/bin/python3");
        if (!Files.isExecutable(p)) {
            return require("python3");
        }
        return p;
    }

    private static List<String> searchPath() {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(":")));
        dirs.addAll(List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin"));
        return dirs;
    }

    /** Result of a finished process. */
    public record Result(int exitCode, byte[] stdout, String stderr) {
        public String stdoutText() {
            return new String(stdout, StandardCharsets.UTF_8);
        }

        /** Fails with the command's stderr when it did not exit 0. */
        public Result assertSuccess() {
            assertEquals(0, exitCode, () -> "command failed (exit " + exitCode + "): " + stderr + stdoutText());
            return this;
        }
    }

    /** Runs {@code command} with {@code stdin} fed in, waits up to {@code timeoutSeconds}. */
    public static Result run(List<String> command, byte[] stdin, long timeoutSeconds) {
        try {
            ProcessBuilder pb = new ProcessBuilder(command);
            pb.environment().put("PATH", "/usr/sbin:/usr/bin:/sbin:/bin:" + System.getenv().getOrDefault("PATH", ""));
            Process p = pb.start();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            Thread errReader = Thread.ofPlatform().daemon().start(() -> copy(p.getErrorStream(), err));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Thread outReader = Thread.ofPlatform().daemon().start(() -> copy(p.getInputStream(), out));
            try (var in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin);
                }
            } catch (IOException ignoredBrokenPipe) {
                // the tool may exit without reading its input; its exit code tells
            }
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("command timed out after " + timeoutSeconds + " s: " + command);
            }
            outReader.join();
            errReader.join();
            return new Result(p.exitValue(), out.toByteArray(), err.toString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Runs {@code command} with no input and a 120 s limit. */
    public static Result run(String... command) {
        return run(List.of(command), null, 120);
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        try (in) {
            in.transferTo(out);
        } catch (IOException ignored) {
            // process ended; what was read is kept
        }
    }
}
