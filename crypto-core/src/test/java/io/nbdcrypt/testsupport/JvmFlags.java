package io.nbdcrypt.testsupport;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The JVM flags the program runs with, for tests that start a child JVM: the java
 * {@code @argfiles} of {@code scripts/jvm/} (native access for the FFM layer, the Vector API
 * module for the SIMD tweak mask), as the build passes them in {@code nbdcrypt.jvm.argfiles},
 * or found above the working directory when a test runs from an IDE.
 */
public final class JvmFlags {
    private static final List<String> FILES = List.of("native.args", "vector.args");

    private JvmFlags() {}

    /** The java executable of this JVM followed by the {@code @argfile} arguments. */
    public static List<String> javaCommand() {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(argfiles());
        return cmd;
    }

    /** {@code ["@/…/scripts/jvm/native.args", "@/…/scripts/jvm/vector.args"]}. */
    public static List<String> argfiles() {
        String configured = System.getProperty("nbdcrypt.jvm.argfiles", "");
        List<String> out = new ArrayList<>();
        if (!configured.isBlank()) {
            for (String f : configured.split(",")) {
                out.add("@" + f.strip());
            }
            return out;
        }
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path jvm = d.resolve("scripts/jvm");
            if (Files.isRegularFile(jvm.resolve(FILES.get(0)))) {
                FILES.forEach(f -> out.add("@" + jvm.resolve(f)));
                return out;
            }
        }
        throw new AssertionError("scripts/jvm/*.args not found above " + Path.of("").toAbsolutePath()
                + " and nbdcrypt.jvm.argfiles not set");
    }
}
