package io.nbdcrypt.cli;

import io.nbdcrypt.linux.NativeException;
import io.nbdcrypt.linux.ProcessHygiene;
import java.io.PrintStream;

/**
 * What a command that holds keys does first: lock its memory (no page of it reaches swap) and
 * make itself non-dumpable (no core dump, no same-user ptrace or {@code /proc/PID/mem}). A
 * failure is a warning naming the reason, not a stop: a guest without swap loses nothing, and
 * the operator learns why (RLIMIT_MEMLOCK, CAP_IPC_LOCK).
 */
final class KeyHygiene {
    private KeyHygiene() {}

    /** @return whether memory is locked */
    static boolean apply(PrintStream warnings) {
        boolean locked;
        try {
            ProcessHygiene.lockMemory();
            locked = true;
        } catch (NativeException e) {
            warnings.println("nbdcrypt: warning: " + e.getMessage() + "; keys could reach swap"
                    + " (raise RLIMIT_MEMLOCK or grant CAP_IPC_LOCK)");
            locked = false;
        }
        try {
            ProcessHygiene.disableDumps();
        } catch (NativeException e) {
            warnings.println("nbdcrypt: warning: " + e.getMessage() + "; a core dump could hold keys");
        }
        return locked;
    }
}
