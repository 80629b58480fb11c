package io.nbdcrypt.nbd.transmission;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nbdcrypt.block.BlockDevice;
import io.nbdcrypt.block.Extent;
import io.nbdcrypt.nbd.backend.Export;
import io.nbdcrypt.nbd.codec.NbdReply;
import io.nbdcrypt.nbd.codec.NbdRequest;
import io.nbdcrypt.nbd.wire.CommandFlags;
import io.nbdcrypt.nbd.wire.CommandType;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CommandExecutorTest {
    /** A device whose flush fails an internal check, the way an {@code assert} in the device layer would. */
    private static class BrokenFlushDevice implements BlockDevice {
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

    /** Alternating 512-byte holes and data, as many extents as asked for. */
    private static final class StripedDevice extends BrokenFlushDevice {
        @Override
        public List<Extent> extents(long offset, long length, int maxExtents) {
            List<Extent> out = new ArrayList<>();
            for (long at = offset; at < offset + length && out.size() < maxExtents; at += 512) {
                out.add(new Extent(at, Math.min(512, offset + length - at), at / 512 % 2 == 0));
            }
            return out;
        }
    }

    private static NbdReply.BlockStatus blockStatus(int flags, int maxPayload) {
        Export export = new Export("", "", new StripedDevice(), false, false);
        CommandExecutor executor = new CommandExecutor(export,
                new Negotiated(true, Set.of(MetaContext.BASE_ALLOCATION)), maxPayload, UnpooledByteBufAllocator.DEFAULT, false);
        return (NbdReply.BlockStatus) executor.execute(
                new NbdRequest(new CommandFlags(flags), CommandType.BLOCK_STATUS, 7, 0, 1 << 20, null, false));
    }

    /** Holes are HOLE|ZERO (3), data 0; a reply never holds more than the maximum payload of descriptors. */
    @Test
    void blockStatus_descriptorsBoundedByTheMaximumPayload() {
        NbdReply.BlockStatus b = blockStatus(0, 4 + 8 * 12);
        assertEquals(12, b.descriptors().size());
        assertEquals(new NbdReply.Descriptor(512, 3), b.descriptors().get(0));
        assertEquals(new NbdReply.Descriptor(512, 0), b.descriptors().get(1));
        assertEquals(MetaContext.BASE_ALLOCATION.id(), b.contextId());
    }

    @Test
    void blockStatus_reqOne_exactlyOneDescriptor() {
        assertEquals(List.of(new NbdReply.Descriptor(512, 3)), blockStatus(8, 1 << 20).descriptors());
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
