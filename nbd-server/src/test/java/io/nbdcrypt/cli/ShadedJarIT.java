package io.nbdcrypt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nbdcrypt.testsupport.ExternalTool;
import io.nbdcrypt.testsupport.JvmFlags;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;

/**
 * The shaded {@code nbdcrypt.jar} and its AOT cache, as {@code ./nbdcrypt} runs them: no class
 * file the AOT cache cannot hold (picocli ships Java 5 ones; the build rewrites them,
 * {@code src/build/UpgradeOldClassFiles.java}), and the command line parser's classes do come
 * from the cache at start-up instead of being parsed and verified from the jar.
 */
class ShadedJarIT {
    private static final Path JAR = Path.of(System.getProperty("nbdcrypt.jar", "nbd-server/target/nbdcrypt.jar"));

    @Test
    void everyClassFileHasStackMaps_version50OrLater() throws IOException {
        List<String> old = new ArrayList<>();
        try (ZipFile z = new ZipFile(JAR.toFile())) {
            for (ZipEntry e : Collections.list(z.entries())) {
                if (e.getName().endsWith(".class")) {
                    byte[] head = z.getInputStream(e).readNBytes(8);
                    int major = ((head[6] & 0xff) << 8) | (head[7] & 0xff);
                    if (major < 50) {
                        old.add(e.getName() + " (" + major + ")");
                    }
                }
            }
        }
        assertEquals(List.of(), old, "class files the AOT cache cannot archive");
    }

    @Test
    void commandLineParserLoadsFromTheAotCache() throws IOException {
        Path aot = JAR.resolveSibling("nbdcrypt.aot");
        assertTrue(Files.isRegularFile(aot), "the build made no AOT cache at " + aot);
        List<String> cmd = new ArrayList<>(JvmFlags.javaCommand());
        Path nativeArgs = Path.of(JvmFlags.argfiles().getFirst().substring(1));
        cmd.addAll(List.of("@" + nativeArgs.resolveSibling("daemon.args"), "-XX:AOTCache=" + aot,
                "-Xlog:class+load=info", "-jar", JAR.toString(), "--version"));
        String out = ExternalTool.run(cmd, null, 60).assertSuccess().stdoutText();
        String line = out.lines().filter(l -> l.contains(" picocli.CommandLine source:")).findFirst()
                .orElseThrow(() -> new AssertionError("picocli.CommandLine never loaded:\n" + out));
        assertTrue(line.endsWith("source: shared objects file"), line);
        // The training run does not print a version, so a few classes only --version needs come
        // from the jar; before the rewrite it was 168 of 171.
        long loaded = out.lines().filter(l -> l.contains("] picocli.")).count();
        long fromJar = out.lines().filter(l -> l.contains("] picocli.") && l.contains("source: file:")).count();
        assertTrue(fromJar * 10 < loaded, fromJar + " of " + loaded + " picocli classes loaded from the jar");
    }
}
