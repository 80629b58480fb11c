package io.nbdcrypt.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One way to make a libc call that returns -1 and sets errno on failure, for the kernel-facing
 * bindings ({@link Sockets}, {@link Netlink}, {@link NbdIoctl}, {@link Mounts},
 * {@link ProcessHygiene}): the call gets a confined arena for its arguments and the call-state
 * segment that captures errno; a negative result becomes a {@link NativeException} naming the
 * call and its target.
 */
final class Syscall {
    private Syscall() {}

    /** The body of one call: returns the C result (widened to long). */
    @FunctionalInterface
    interface Body {
        long invoke(MemorySegment callState, Arena arena) throws Throwable;
    }

    /** Runs {@code body}; a negative result throws with the captured errno. */
    static long run(String call, String target, Body body) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = NativeCalls.callState(arena);
            long rc = body.invoke(state, arena);
            if (rc < 0) {
                throw new NativeException(call, target, NativeCalls.errno(state));
            }
            return rc;
        } catch (NativeException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new NativeException(call, target, 0, t.toString());
        }
    }
}
