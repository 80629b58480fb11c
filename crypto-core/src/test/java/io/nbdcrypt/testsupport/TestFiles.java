package io.nbdcrypt.testsupport;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;

/** Files the tests make. */
public final class TestFiles {
    private TestFiles() {}

    /** A sparse file of {@code size} bytes at {@code path} (made, or cut/extended to that size); returns {@code path}. */
    public static Path sparse(Path path, long size) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(path.toFile(), "rw")) {
            f.setLength(size);
        }
        return path;
    }
}
