package io.nbdcrypt.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * Binds libc functions and reads the errno the JDK captured for a call. The one place that
 * knows how FFM downcalls are made here; {@link Libc} and the kernel bindings use it.
 *
 * <p>Binding is lazy and never throws from a class initializer: a function that cannot be
 * bound (not Linux, symbol missing, native access refused) fails when called, with a
 * {@link NativeException} saying why.
 */
final class NativeCalls {
    private static final Linker LINKER = Linker.nativeLinker();
    /** The layout the JDK fills with errno after a call bound with {@link #ERRNO}. */
    static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO_FIELD = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");

    private NativeCalls() {}

    /**
     * A handle for libc's {@code name} that captures errno (its first parameter is then the
     * call-state segment), or an explanation of why it could not be bound.
     *
     * @param firstVariadic index of the first variadic argument, or -1 for a fixed-arity function
     */
    static Bound bind(String name, FunctionDescriptor descriptor, int firstVariadic) {
        return firstVariadic < 0 ? bind(name, descriptor, ERRNO)
                : bind(name, descriptor, ERRNO, Linker.Option.firstVariadicArg(firstVariadic));
    }

    /**
     * Like {@link #bind} for a fixed-arity function that may be passed segments of Java arrays
     * ({@code Linker.Option.critical(true)}): the JVM stays in Java state for the call, so the
     * array cannot move and is not copied, but a safepoint (a GC pause, for one) waits until the
     * call returns. Only for calls that are short: a bounded copy from or to the page cache.
     */
    static Bound bindHeapAccess(String name, FunctionDescriptor descriptor) {
        return bind(name, descriptor, ERRNO, Linker.Option.critical(true));
    }

    private static Bound bind(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        if (!Linux.available()) {
            return new Bound(name, null, Linux.unavailableReason());
        }
        try {
            var symbol = LINKER.defaultLookup().find(name);
            if (symbol.isEmpty()) {
                return new Bound(name, null, "libc has no " + name + "()");
            }
            return new Bound(name, LINKER.downcallHandle(symbol.get(), descriptor, options), null);
        } catch (RuntimeException | Error e) {
            return new Bound(name, null, e.toString());
        }
    }

    /** A new call-state segment in {@code arena}, for one call. */
    static MemorySegment callState(Arena arena) {
        return arena.allocate(CALL_STATE);
    }

    /** The errno the JDK captured into {@code state}. */
    static int errno(MemorySegment state) {
        return (int) ERRNO_FIELD.get(state, 0L);
    }

    /** A bound function, or the reason it is not. */
    record Bound(String name, MethodHandle handle, String unavailableReason) {
        /** The handle; throws {@link NativeException} (errno 0) when it could not be bound. */
        MethodHandle require() throws NativeException {
            if (handle == null) {
                throw new NativeException(name, "", 0, "not available: " + unavailableReason);
            }
            return handle;
        }
    }
}
