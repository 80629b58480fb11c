package io.nbdcrypt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nbdcrypt.kernel.dm.DmCrypt;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * open, close and status as a user runs them, on a device-mapper that is not there: exit 1 (cryptsetup's "other failure")
 * and one line saying what is missing; bad arguments exit 1 before anything is touched. The
 * commands working against the kernel are shown in the guest ({@code DmCryptBackendIT}).
 */
class DmCryptCommandsTest {
    @TempDir
    Path dir;

    record Run(int exit, String out, String err) {}

    private Run run(Callable<Integer> command, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(command).setExecutionExceptionHandler(new ErrorReporter());
        cl.getCommandSpec().exitCodeOnInvalidInput(ExitStatus.WRONG_PARAMETERS);   // as Main sets it
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    private DmCrypt missing() {
        return DmCrypt.at(dir.resolve("control"), dir.resolve("mapper"));
    }

    private OpenCommand open() {
        OpenCommand c = new OpenCommand();
        c.dmCrypt = missing();
        c.passphrases = new Passphrases(new ByteArrayInputStream("pw".getBytes()), null);
        return c;
    }

    @Test
    void open_noDeviceMapper_exit1NamingIt() {
        Run r = run(open(), "--backend", "dm-crypt", "/dev/null", "vol", "--key-file", "-");
        // /dev/null is a character device: refused before device-mapper is asked.
        assertEquals(4, r.exit(), r.err());
        assertTrue(r.err().startsWith("nbdcrypt open: /dev/null is not a block device"), r.err());

        Path block = firstBlockDevice();
        Run u = run(open(), block.toString(), "vol", "--key-file", "-");
        assertEquals(1, u.exit(), u.err());
        assertTrue(u.err().startsWith("nbdcrypt open: device-mapper is not available: open " + dir.resolve("control")),
                u.err());
        assertEquals("", u.out());
    }

    @Test
    void open_badArguments_exit1() {
        Run backend = run(open(), "--backend", "nbd", "/dev/vdb", "vol", "--key-file", "-");
        assertEquals(1, backend.exit(), backend.err());
        assertTrue(backend.err().contains("--backend nbd"), backend.err());

        Run name = run(open(), "/dev/vdb", "a/b", "--key-file", "-");
        assertEquals(1, name.exit(), name.err());
        assertTrue(name.err().contains("mapping name 'a/b'"), name.err());
    }

    @Test
    void statusAndClose_noDeviceMapper_exit1() {
        StatusCommand status = new StatusCommand();
        status.dmCrypt = missing();
        Run s = run(status, "vol");
        assertEquals(1, s.exit(), s.err());
        assertTrue(s.err().startsWith("nbdcrypt status: device-mapper is not available"), s.err());

        CloseCommand close = new CloseCommand();
        close.dmCrypt = missing();
        Run c = run(close, "vol");
        assertEquals(1, c.exit(), c.err());
    }

    @Test
    void help_listsTheNewCommandsAndExitCodes() {
        StringWriter out = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        assertEquals(0, cl.execute("open", "--help"));
        assertTrue(out.toString().contains("--perf-no_read_workqueue") && out.toString().contains("a kernel without the NBD client or"),
                out.toString());
    }

    private static Path firstBlockDevice() {
        try (var dev = Files.list(Path.of("/dev"))) {
            return dev.filter(p -> {
                try {
                    return (((Integer) Files.getAttribute(p, "unix:mode")) & 0170000) == 0060000;
                } catch (Exception e) {
                    return false;
                }
            }).findFirst().orElseThrow(() -> new AssertionError("no block device under /dev"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
