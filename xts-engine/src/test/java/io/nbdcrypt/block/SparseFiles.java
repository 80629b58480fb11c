package io.nbdcrypt.block;

import io.nbdcrypt.testsupport.ExternalTool;
import java.nio.file.Path;

/** What the file system really allocated, per {@code stat} (st_blocks, 512-byte units). */
final class SparseFiles {
    private SparseFiles() {}

    static long allocatedBytes(Path file) {
        String out = ExternalTool.run(ExternalTool.require("stat").toString(), "-c", "%b %B", file.toString())
                .assertSuccess().stdoutText().strip();
        String[] f = out.split(" ");
        return Long.parseLong(f[0]) * Long.parseLong(f[1]);
    }
}
