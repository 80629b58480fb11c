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
     * call-state segment), made on first use: each downcall handle spins classes, which a
     * short command (and a TCG guest) pays for every function a class declares, used or not.
     *
     * @param firstVariadic index of the first variadic argument, or -1 for a fixed-arity function
     */
    static Bound bind(String name, FunctionDescriptor descriptor, int firstVariadic) {
        return firstVariadic < 0 ? new Bound(name, descriptor, ERRNO)
                : new Bound(name, descriptor, ERRNO, Linker.Option.firstVariadicArg(firstVariadic));
    }

    /**
     * Like {@link #bind} for a fixed-arity function that may be passed segments of Java arrays
     * ({@code Linker.Option.critical(true)}): the JVM stays in Java state for the call, so the
     * array cannot move and is not copied, but a safepoint (a GC pause, for one) waits until the
     * call returns. Only for calls that are short: a bounded copy from or to the page cache.
     */
    static Bound bindHeapAccess(String name, FunctionDescriptor descriptor) {
        return new Bound(name, descriptor, ERRNO, Linker.Option.critical(true));
    }

    /** Why a function cannot be linked here. */
    private static final class Reason extends Exception {
        private static final long serialVersionUID = 1L;

        Reason(String message) {
            super(message, null, false, false);
        }
    }

    private static MethodHandle link(String name, FunctionDescriptor descriptor, Linker.Option[] options) throws Reason {
        if (!Linux.available()) {
            throw new Reason(Linux.unavailableReason());
        }
        try {
            var symbol = LINKER.defaultLookup().find(name);
            if (symbol.isEmpty()) {
                throw new Reason("libc has no " + name + "()");
            }
            return LINKER.downcallHandle(symbol.get(), descriptor, options);
        } catch (RuntimeException | Error e) {
            throw new Reason(e.toString());
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

    /** A libc function, linked on first {@link #require()}; a failure to link is remembered. */
    static final class Bound {
        private final String name;
        private final FunctionDescriptor descriptor;
        private final Linker.Option[] options;
        private volatile MethodHandle handle;
        private volatile String unavailableReason;

        private Bound(String name, FunctionDescriptor descriptor, Linker.Option... options) {
            this.name = name;
            this.descriptor = descriptor;
            this.options = options;
        }

        /** The handle; throws {@link NativeException} (errno 0) when it cannot be bound here. */
        MethodHandle require() throws NativeException {
            MethodHandle h = handle;
            if (h != null) {
                return h;
            }
            synchronized (this) {
                if (handle == null && unavailableReason == null) {
                    try {
                        handle = link(name, descriptor, options);
                    } catch (Reason r) {
                        unavailableReason = r.getMessage();
                    }
                }
                if (unavailableReason != null) {
                    throw new NativeException(name, "", 0, "not available: " + unavailableReason);
                }
                return handle;
            }
        }
    }
}
