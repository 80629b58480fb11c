package io.nbdcrypt.provision;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Makes the file system with the system's {@code mkfs.TYPE}. For ext4: lazy inode-table and
 * journal init (the kernel finishes them in the background, so a large disk is ready in
 * seconds) and no discard of the whole device unless discards are allowed. The user's options
 * come last, so they can override ours.
 */
final class Mkfs {
    private static final long TIMEOUT_MINUTES = 30;

    private Mkfs() {}

    static void run(String fsType, Path device, List<String> userOptions, boolean allowDiscards) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(tool(fsType).toString()));
        if (fsType.startsWith("ext")) {
            cmd.addAll(List.of("-q", "-F", "-E", "lazy_itable_init=1,lazy_journal_init=1"
                    + (allowDiscards ? "" : ",nodiscard")));
        }
        cmd.addAll(userOptions);
        cmd.add(device.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        try {
            if (!p.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IOException(cmd.getFirst() + " on " + device + " did not finish in " + TIMEOUT_MINUTES + " minutes");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while " + cmd.getFirst() + " ran", e);
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed (exit " + p.exitValue() + ")"
                    + (out.isEmpty() ? "" : ": " + out));
        }
    }

    private static Path tool(String fsType) throws IOException {
        String name = "mkfs." + fsType;
        List<String> dirs = new ArrayList<>(List.of("/sbin", "/usr/sbin", "/bin", "/usr/bin"));
        String path = System.getenv("PATH");
        if (path != null) {
            dirs.addAll(List.of(path.split(":")));
        }
        for (String d : dirs) {
            Path t = Path.of(d).resolve(name);
            if (Files.isExecutable(t)) {
                return t;
            }
        }
        throw new IOException(name + " not found (install e2fsprogs for ext4)");
    }
}
