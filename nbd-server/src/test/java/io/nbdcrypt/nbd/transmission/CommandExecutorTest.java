package io.nbdcrypt.nbd.transmission;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nbdcrypt.block.BlockDevice;
import io.nbdcrypt.nbd.backend.Export;
import io.nbdcrypt.nbd.codec.NbdReply;
import io.nbdcrypt.nbd.codec.NbdRequest;
import io.nbdcrypt.nbd.wire.CommandFlags;
import io.nbdcrypt.nbd.wire.CommandType;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class CommandExecutorTest {
    /** A device whose flush fails an internal check, the way an {@code assert} in the device layer would. */
    private static final class BrokenFlushDevice implements BlockDevice {
        @Override public long size() { return 1 << 20; }
        @Override public int blockSize() { return 512; }
        @Override public boolean isReadOnly() { return false; }
        @Override public boolean canTrim() { return false; }
        @Override public void read(long offset, ByteBuffer dst) { dst.position(dst.limit()); }
        @Override public void write(long offset, ByteBuffer src) { src.position(src.limit()); }
        @Override public void flush() { throw new AssertionError("invariant broken"); }
        @Override public void trim(long offset, long length) {}
        @Override public void writeZeroes(long offset, long length, boolean mayTrim) {}
        @Override public void close() {}
    }

    @Test
    void execute_deviceThrowsAnError_repliesEioInsteadOfLosingTheRequest() {
        Export export = new Export("", "", new BrokenFlushDevice(), false, false);
        CommandExecutor executor = new CommandExecutor(export, false, UnpooledByteBufAllocator.DEFAULT);
        NbdReply reply = executor.execute(new NbdRequest(CommandFlags.NONE, CommandType.FLUSH, 42, 0, 0, null, false));
        NbdReply.Simple simple = (NbdReply.Simple) reply;
        assertEquals(42, simple.cookie());
        assertEquals(5, simple.error()); // EIO
    }
}
