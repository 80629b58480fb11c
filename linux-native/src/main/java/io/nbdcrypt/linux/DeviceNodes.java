package io.nbdcrypt.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * Block device nodes: {@code mknod(2)}, which the JDK cannot do. Device-mapper makes the
 * kernel device ({@code /dev/dm-N} under devtmpfs) but not {@code /dev/mapper/NAME}; without
 * udev (a confidential guest often has none) whoever creates the mapping makes that node, as
 * libdevmapper does.
 */
public final class DeviceNodes {
    private static final int S_IFBLK = 0060000;

    /** glibc 2.33 and later export {@code mknod} itself (before, only {@code __xmknod}). */
    private static final NativeCalls.Bound MKNOD =
            NativeCalls.bind("mknod", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG), -1);

    private DeviceNodes() {}

    /**
     * Creates the block device node {@code path} for {@code device} with permission bits
     * {@code mode} (e.g. {@code 0600}; the umask applies).
     *
     * @throws NativeException EEXIST when {@code path} exists, EPERM without CAP_MKNOD
     */
    public static void createBlockNode(Path path, DeviceNumber device, int mode) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = NativeCalls.callState(arena);
            int rc = (int) MKNOD.require().invokeExact(state, arena.allocateFrom(path.toString()), S_IFBLK | (mode & 07777),
                    device.encode());
            if (rc != 0) {
                throw new NativeException("mknod", path.toString(), NativeCalls.errno(state));
            }
        } catch (NativeException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new NativeException("mknod", path.toString(), 0, t.toString());
        }
    }
}
