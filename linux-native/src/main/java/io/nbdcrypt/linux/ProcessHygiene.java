package io.nbdcrypt.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;

/**
 * Keeps a process's key material where it belongs: {@link #lockMemory()} so no page of it is
 * ever written to swap, {@link #disableDumps()} so no core dump, {@code /proc/PID/mem} reader
 * or same-user ptrace sees it.
 */
public final class ProcessHygiene {
    static final int MCL_CURRENT = 1;
    static final int MCL_FUTURE = 2;
    /** Lock pages as they are first touched instead of populating every mapping now (Linux 4.4+). */
    static final int MCL_ONFAULT = 4;
    static final int PR_GET_DUMPABLE = 3;
    static final int PR_SET_DUMPABLE = 4;

    private static final NativeCalls.Bound MLOCKALL = NativeCalls.bind("mlockall", FunctionDescriptor.of(JAVA_INT, JAVA_INT), -1);
    private static final NativeCalls.Bound PRCTL = NativeCalls.bind("prctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG), 1);

    private ProcessHygiene() {}

    /**
     * {@code mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)}: every page of the process, now
     * and later, stays in RAM once touched. On-fault locking keeps the footprint what it is: the
     * JVM reserves far more address space (heap, thread stacks) than it touches.
     *
     * @throws NativeException ENOMEM when RLIMIT_MEMLOCK is too small, EPERM without CAP_IPC_LOCK
     */
    public static void lockMemory() throws NativeException {
        Syscall.run("mlockall", "", (state, arena) ->
                (int) MLOCKALL.require().invokeExact(state, MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT));
    }

    /** {@code prctl(PR_SET_DUMPABLE, 0)}: no core dumps, {@code /proc/PID/mem} and ptrace for root only. */
    public static void disableDumps() throws NativeException {
        Syscall.run("prctl(PR_SET_DUMPABLE)", "", (state, arena) ->
                (int) PRCTL.require().invokeExact(state, PR_SET_DUMPABLE, 0L, 0L, 0L, 0L));
    }

    /** {@code prctl(PR_GET_DUMPABLE)}: 0 after {@link #disableDumps()}, 1 for a normal process. */
    public static int dumpable() throws NativeException {
        return (int) Syscall.run("prctl(PR_GET_DUMPABLE)", "", (state, arena) ->
                (int) PRCTL.require().invokeExact(state, PR_GET_DUMPABLE, 0L, 0L, 0L, 0L));
    }
}
