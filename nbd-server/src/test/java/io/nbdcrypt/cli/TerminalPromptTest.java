package io.nbdcrypt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nbdcrypt.luks2.interop.Cryptsetup;
import io.nbdcrypt.testing.NbdcryptProgram;
import io.nbdcrypt.testsupport.ExternalTool;
import io.nbdcrypt.testsupport.TestFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Questions on a terminal, asked through a real pseudo-terminal (Python's {@code pty}), with
 * cryptsetup answering the same question beside nbdcrypt where it asks it.
 */
class TerminalPromptTest {
    /** Runs argv[3:] on a pty; types argv[2] and Enter once argv[1] was printed; exits with its status. */
    private static final String PTY = String.join("\n",
            "import os, pty, select, sys, time",
            "expect, answer, cmd = sys.argv[1].encode(), sys.argv[2].encode(), sys.argv[3:]",
            "pid, fd = pty.fork()",
            "if pid == 0:",
            "    os.execvp(cmd[0], cmd)",
            "out, sent, deadline = b'', False, time.time() + 120",
            "while time.time() < deadline:",
            "    if select.select([fd], [], [], 1)[0]:",
            "        try:",
            "            data = os.read(fd, 4096)",
            "        except OSError:",
            "            break",
            "        if not data:",
            "            break",
            "        out += data",
            "        if not sent and expect in out:",
            "            os.write(fd, answer + b'\\n')",
            "            sent = True",
            "status = os.waitpid(pid, 0)[1]",
            "sys.stdout.buffer.write(out)",
            "sys.exit(os.waitstatus_to_exitcode(status))");

    @TempDir
    Path dir;
    Path img;
    Path key;

    @BeforeEach
    void volume() throws Exception {
        img = TestFiles.sparse(dir.resolve("v.img"), 24 << 20);
        key = Files.writeString(dir.resolve("k"), "only keyslot");
        Cryptsetup.format(img, key, Cryptsetup.FAST_PBKDF2);
    }

    private static ExternalTool.Result onTerminal(String expect, String answer, List<String> command) {
        List<String> cmd = new ArrayList<>(List.of(ExternalTool.debianPython().toString(), "-c", PTY, expect, answer));
        cmd.addAll(command);
        return ExternalTool.run(cmd, null, 180);
    }

    @Test
    void removeKey_lastKeyslotNotConfirmed_keptAndExit2LikeCryptsetup() {
        ExternalTool.Result ours = onTerminal("Are you sure?", "no",
                NbdcryptProgram.command("remove-key", "--key-slot", "0", img.toString()));
        assertTrue(ours.stdoutText().contains("This is the last keyslot. Device will become unusable after purging this key."),
                ours.stdoutText());
        assertEquals(ExitStatus.BAD_PASSPHRASE, ours.exitCode(), ours.stdoutText());
        assertEquals(0, Cryptsetup.testPassphrase(img, key, List.of()), "the keyslot must still be there");
        ExternalTool.Result theirs = onTerminal("Are you sure?", "no",
                List.of(Cryptsetup.binary().toString(), "luksKillSlot", img.toString(), "0"));
        assertTrue(theirs.stdoutText().contains("This is the last keyslot. Device will become unusable after purging this key."),
                theirs.stdoutText());
        assertEquals(theirs.exitCode(), ours.exitCode(), theirs.stdoutText());
    }

    @Test
    void removeKey_lastKeyslotConfirmedWithYes_removed() {
        ExternalTool.Result ours = onTerminal("Are you sure?", "YES",
                NbdcryptProgram.command("remove-key", "--key-slot", "0", img.toString()));
        assertEquals(0, ours.exitCode(), ours.stdoutText());
        assertEquals(1, Cryptsetup.testPassphrase(img, key, List.of()), "no keyslot left ('No usable keyslot')");
    }

    @Test
    void removeKey_batchModeOnTerminal_asksNothing() {
        ExternalTool.Result ours = onTerminal("Are you sure?", "no",
                NbdcryptProgram.command("remove-key", "-q", "--key-slot", "0", img.toString()));
        assertEquals(0, ours.exitCode(), ours.stdoutText());
        assertFalse(ours.stdoutText().contains("Are you sure?"), ours.stdoutText());
    }

    @Test
    void removeKey_notTheLastKeyslot_asksNothing() throws Exception {
        Path second = Files.writeString(dir.resolve("k2"), "second keyslot");
        Cryptsetup.addKey(img, key, second, List.of());
        ExternalTool.Result ours = onTerminal("Are you sure?", "no",
                NbdcryptProgram.command("remove-key", "--key-slot", "0", img.toString()));
        assertEquals(0, ours.exitCode(), ours.stdoutText());
        assertEquals(0, Cryptsetup.testPassphrase(img, second, List.of()));
    }

    @Test
    void dumpVolumeKey_onTerminal_warnsFirstAsCryptsetup() {
        ExternalTool.Result ours = onTerminal("Are you sure?", "no",
                NbdcryptProgram.command("dump", "--dump-volume-key", "-d", key.toString(), img.toString()));
        ExternalTool.Result theirs = onTerminal("Are you sure?", "no", List.of(Cryptsetup.binary().toString(),
                "luksDump", "--dump-volume-key", "--key-file", key.toString(), img.toString()));
        assertEquals(theirs.exitCode(), ours.exitCode(), ours.stdoutText());
        assertTrue(ours.stdoutText().contains("The header dump with volume key is sensitive information"), ours.stdoutText());
        assertFalse(ours.stdoutText().contains("MK dump:"), ours.stdoutText());
    }
}
