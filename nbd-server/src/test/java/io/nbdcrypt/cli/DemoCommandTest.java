package io.nbdcrypt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nbdcrypt.testsupport.ExternalTool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What {@code demo} leaves in a checkout and what its help promises. */
class DemoCommandTest {
    /** The repository root above the working directory (surefire runs in nbd-server/). */
    private static Path repository() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.exists(p.resolve(".git"))) {
                return p;
            }
        }
        return ExternalTool.unavailable("not inside a git checkout");
    }

    @Test
    void keyFile_ofTheDefaultImage_isIgnoredByGit() {
        Path git = ExternalTool.require("git");
        Path keyFile = DemoCommand.keyFileOf(Path.of("nbdcrypt-demo.img"));
        var r = ExternalTool.run(List.of(git.toString(), "-C", repository().toString(), "check-ignore", "-q",
                keyFile.toString()), null, 60);
        assertEquals(0, r.exitCode(), keyFile + " (a passphrase) would be committed by 'git add .'");
    }

    @Test
    void help_saysWhatHappensToAnExistingImage() {
        String help = LuksCommandsTest.nbdcrypt("demo", "--help").out().replaceAll("\\s+", " ");
        assertTrue(help.contains("An existing IMAGE with its IMAGE.key") && help.contains("served again")
                && help.contains("demo never overwrites"), help);
    }
}
