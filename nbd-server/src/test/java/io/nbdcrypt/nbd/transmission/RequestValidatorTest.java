package io.nbdcrypt.nbd.transmission;

import static org.junit.jupiter.api.Assertions.*;

import io.nbdcrypt.block.FileBlockDevice;
import io.nbdcrypt.nbd.backend.Export;
import io.nbdcrypt.nbd.codec.NbdRequest;
import io.nbdcrypt.testsupport.TestFiles;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Error values per proto.md ("Error values" and the command sections), spelled as numbers. */
class RequestValidatorTest {
    private static final long SIZE = 1 << 20;
    private static final int MAX = 65536;
    // proto.md values
    private static final int EPERM = 1, EINVAL = 22, ENOSPC = 28, EOVERFLOW = 75;
    private static final int READ = 0, WRITE = 1, FLUSH = 3, TRIM = 4, CACHE = 5, WRITE_ZEROES = 6, BLOCK_STATUS = 7;
    private static final int FUA = 1, NO_HOLE = 2, DF = 4;

    @TempDir Path dir;
    private FileBlockDevice device;
    private Export rw;
    private Export ro;
    private Export discards;

    @BeforeEach
    void setUp() throws IOException {
        Path img = dir.resolve("d.img");
        TestFiles.sparse(img, SIZE);
        device = FileBlockDevice.open(img, false);
        rw = new Export("", "", device, false, false);
        ro = new Export("", "", device, true, false);
        discards = new Export("", "", device, false, true);
    }

    @AfterEach
    void tearDown() throws IOException {
        device.close();
    }

    private static Integer errno(Export e, int flags, int type, long offset, long length) {
        NbdError err = RequestValidator.validate(new NbdRequest(flags, type, 1, offset, length, null, false), e, MAX);
        return err == null ? null : err.errno();
    }

    @Test
    void validRequests_pass() {
        assertNull(errno(rw, 0, READ, 0, MAX));
        assertNull(errno(rw, FUA, WRITE, SIZE - 1, 1));
        assertNull(errno(rw, 0, FLUSH, 0, 0));
        assertNull(errno(rw, FUA | NO_HOLE, WRITE_ZEROES, 0, SIZE));   // no payload: beyond MAX is fine
        assertNull(errno(discards, FUA, TRIM, 4096, 4096));
        assertNull(errno(rw, FUA, READ, 1, 3));   // FUA is accepted on every command once advertised
    }

    @Test
    void pastEnd_readEinvalWriteEnospc() {
        assertEquals(EINVAL, errno(rw, 0, READ, SIZE - 1, 2));
        assertEquals(EINVAL, errno(rw, 0, READ, SIZE, 1));
        assertEquals(ENOSPC, errno(rw, 0, WRITE, SIZE - 1, 2));
        assertEquals(ENOSPC, errno(rw, 0, WRITE_ZEROES, SIZE, 1));
        assertEquals(EINVAL, errno(discards, 0, TRIM, SIZE - 1, 2));
        assertEquals(EINVAL, errno(rw, 0, READ, 0x8000000000000000L, 1));   // 2^63, unsigned
        assertEquals(EINVAL, errno(rw, 0, READ, -1L, 1));
    }

    @Test
    void lengthRules() {
        assertEquals(EOVERFLOW, errno(rw, 0, READ, 0, MAX + 1));
        assertEquals(EINVAL, errno(rw, 0, READ, 0, 0));
        assertEquals(EINVAL, errno(rw, 0, FLUSH, 0, 1));
        assertEquals(EINVAL, errno(rw, 0, FLUSH, 1, 0));
        NbdError dropped = RequestValidator.validate(new NbdRequest(0, WRITE, 1, 0, MAX + 1, null, true), rw, MAX);
        assertEquals(EOVERFLOW, dropped.errno());
    }

    @Test
    void readOnly_writesEperm_readsPass() {
        assertEquals(EPERM, errno(ro, 0, WRITE, 0, 1));
        assertEquals(EPERM, errno(ro, 0, WRITE_ZEROES, 0, 1));
        assertNull(errno(ro, 0, READ, 0, 1));
        assertNull(errno(ro, 0, FLUSH, 0, 0));
    }

    @Test
    void unknownCommandsAndFlags_einval() {
        assertEquals(EINVAL, errno(rw, 0, CACHE, 0, 1));
        assertEquals(EINVAL, errno(rw, 0, BLOCK_STATUS, 0, 1));
        assertEquals(EINVAL, errno(rw, 0, 99, 0, 1));
        assertEquals(EINVAL, errno(rw, 0, TRIM, 0, 1));          // not advertised without --allow-discards
        assertEquals(EINVAL, errno(rw, DF, READ, 0, 1));         // DF not advertised
        assertEquals(EINVAL, errno(rw, NO_HOLE, WRITE, 0, 1));   // NO_HOLE only for WRITE_ZEROES
        assertEquals(EINVAL, errno(rw, 0x100, READ, 0, 1));
    }

    @Test
    void message_namesTheRequest() {
        NbdError e = RequestValidator.validate(new NbdRequest(0, WRITE, 0xab, SIZE, 1, null, false), rw, MAX);
        assertTrue(e.message().contains("NBD_CMD_WRITE"), e.message());
        assertTrue(e.message().contains("offset=" + SIZE), e.message());
    }
}
