package io.nbdcrypt.nbd.transmission;

import static org.junit.jupiter.api.Assertions.*;

import io.nbdcrypt.block.FileBlockDevice;
import io.nbdcrypt.nbd.backend.Export;
import io.nbdcrypt.nbd.codec.NbdRequest;
import io.nbdcrypt.nbd.codec.UnknownCommand;
import io.nbdcrypt.nbd.wire.CommandFlags;
import io.nbdcrypt.nbd.wire.CommandType;
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
    private static final int EPERM = 1, EINVAL = 22, ENOSPC = 28;
    private static final int READ = 0, WRITE = 1, FLUSH = 3, TRIM = 4, CACHE = 5, WRITE_ZEROES = 6, BLOCK_STATUS = 7;
    private static final int FUA = 1, NO_HOLE = 2, DF = 4, REQ_ONE = 8, FAST_ZERO = 16;

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

    /** The error value for a request spelled with wire numbers, or null when it is valid. */
    private static Integer errno(Export e, int flags, int type, long offset, long length) {
        Validation v = CommandType.of(type)
                .map(t -> RequestValidator.validate(new NbdRequest(new CommandFlags(flags), t, 1, offset, length, null,
                        false), e, MAX))
                .orElseGet(() -> RequestValidator.unknown(new UnknownCommand(new CommandFlags(flags), type, 1, offset,
                        length)));
        return switch (v) {
            case Validation.Valid ok -> null;
            case Validation.Invalid(NbdError err) -> err.errno().code();
        };
    }

    private static NbdError refusal(Validation v) {
        return assertInstanceOf(Validation.Invalid.class, v).error();
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

    /**
     * Above the advertised maximum payload, READ and WRITE get EINVAL: proto.md says a server
     * SHOULD NOT return EOVERFLOW except for READ with DF (not advertised here) or a command
     * without payload, and the client MUST NOT send such a length.
     */
    @Test
    void lengthRules() {
        assertEquals(EINVAL, errno(rw, 0, READ, 0, MAX + 1));
        assertEquals(EINVAL, errno(rw, 0, READ, 0, 0));
        assertEquals(EINVAL, errno(rw, 0, FLUSH, 0, 1));
        assertEquals(EINVAL, errno(rw, 0, FLUSH, 1, 0));
        NbdError dropped = refusal(RequestValidator.validate(
                new NbdRequest(CommandFlags.NONE, CommandType.WRITE, 1, 0, MAX + 1, null, true), rw, MAX));
        assertEquals(EINVAL, dropped.errno().code());
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

    /** proto.md: "SHOULD return NBD_EPERM if it receives a write or trim request on a read-only export". */
    @Test
    void trimOnReadOnlyExport_eperm() {
        assertEquals(EPERM, errno(ro, 0, TRIM, 0, 4096));
        assertEquals(EPERM, errno(new Export("", "", device, true, true), FUA, TRIM, 0, 4096));
    }

    /** Flags the server does not advertise (DF, FAST_ZERO) or that belong to another command. */
    @Test
    void flagsNotAdvertisedOrOfAnotherCommand_einval() {
        assertEquals(EINVAL, errno(rw, FAST_ZERO, WRITE_ZEROES, 0, 4096));
        assertEquals(EINVAL, errno(rw, REQ_ONE, READ, 0, 4096));
        assertEquals(EINVAL, errno(rw, NO_HOLE, TRIM, 0, 4096));
        assertEquals(EINVAL, errno(discards, DF, TRIM, 0, 4096));
    }

    private static Integer blockStatus(Negotiated n, int flags, long offset, long length, Export e) {
        Validation v = RequestValidator.validate(new NbdRequest(new CommandFlags(flags), CommandType.BLOCK_STATUS, 1,
                offset, length, null, false), e, MAX, n);
        return v instanceof Validation.Invalid(NbdError err) ? err.errno().code() : null;
    }

    /**
     * BLOCK_STATUS: EINVAL without a selected metadata context (proto.md, "Metadata querying");
     * with one, REQ_ONE and FUA are its flags, any length is fine (no payload), and a range past
     * the end is EINVAL.
     */
    @Test
    void blockStatus_onlyWithANegotiatedContext() {
        Negotiated allocation = new Negotiated(true, java.util.Set.of(MetaContext.BASE_ALLOCATION));
        assertEquals(EINVAL, blockStatus(Negotiated.replies(true), 0, 0, 4096, rw));
        assertNull(blockStatus(allocation, 0, 0, SIZE, rw));
        assertNull(blockStatus(allocation, REQ_ONE | FUA, 1, SIZE - 1, ro));
        assertEquals(EINVAL, blockStatus(allocation, NO_HOLE, 0, 4096, rw));
        assertEquals(EINVAL, blockStatus(allocation, 0, SIZE - 1, 2, rw));
        assertEquals(EINVAL, blockStatus(allocation, 0, 0, 0, rw));
    }

    @Test
    void message_namesTheRequest() {
        NbdError e = refusal(RequestValidator.validate(
                new NbdRequest(CommandFlags.NONE, CommandType.WRITE, 0xab, SIZE, 1, null, false), rw, MAX));
        assertTrue(e.message().contains("NBD_CMD_WRITE"), e.message());
        assertTrue(e.message().contains("offset=" + SIZE), e.message());
    }
}
