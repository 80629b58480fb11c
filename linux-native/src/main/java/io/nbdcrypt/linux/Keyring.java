package io.nbdcrypt.linux;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The kernel key retention service ({@code add_key(2)}, {@code keyctl(2)}), for handing a
 * volume key to dm-crypt without writing it into a table: dm-crypt looks a
 * {@code :<bytes>:logon:<description>} reference up in the keyrings of the thread that loads
 * the table.
 *
 * <p>glibc has no wrappers for these calls (libkeyutils does), so they go through libc's
 * variadic {@code syscall()} with the x86-64 numbers ({@code add_key} 248, {@code keyctl}
 * 250, from {@code arch/x86/entry/syscalls/syscall_64.tbl}); on other architectures
 * {@link #available()} is false and every call fails saying so. Every argument is passed as
 * a 64-bit integer, pointers included, which is how the x86-64 calling convention passes
 * them to a variadic function anyway.
 *
 * <p>Only {@code logon} keys are added here: their payload can never be read back from user
 * space (not by {@code keyctl read}, not by root), only used by the kernel.
 */
public final class Keyring {
    /** The keyring shared by all threads of this process, created on first use, gone when the process exits. */
    public static final int PROCESS_KEYRING = -2;

    private static final long KEYCTL_REVOKE = 3;
    private static final long KEYCTL_UNLINK = 9;

    private static final String ARCH = System.getProperty("os.arch", "");
    private static final boolean X86_64 = ARCH.equals("amd64") || ARCH.equals("x86_64");
    private static final long SYS_ADD_KEY = 248;
    private static final long SYS_KEYCTL = 250;

    /** {@code long syscall(long number, ...)} with five more 64-bit arguments (extra ones are ignored by the kernel). */
    private static final NativeCalls.Bound SYSCALL = NativeCalls.bind("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG), 1);

    private Keyring() {}

    /** Whether keys can be added here: Linux on x86-64 with native access. */
    public static boolean available() {
        return unavailableReason() == null;
    }

    /** Why not (null when {@link #available()}). */
    public static String unavailableReason() {
        if (!Linux.available()) {
            return Linux.unavailableReason();
        }
        return X86_64 ? null : "the keyring calls are bound for x86-64 only, not " + ARCH.toLowerCase(Locale.ROOT);
    }

    /**
     * {@code add_key("logon", description, payload, keyring)}: a key only the kernel can read;
     * returns its serial number. The payload is copied into native memory that is zeroed
     * before this returns; the caller wipes {@code payload}.
     *
     * @param description {@code "<prefix>:<rest>"} (the logon type insists on a prefix), no whitespace
     * @throws NativeException ENOSYS without keyring support, EDQUOT over the key quota, EINVAL for a bad description
     */
    public static int addLogonKey(String description, byte[] payload, int keyring) throws NativeException {
        requireAvailable("add_key(logon)", description);
        return (int) Syscall.run("add_key(logon)", description, (state, arena) -> {
            MemorySegment key = arena.allocate(Math.max(1, payload.length));
            try {
                MemorySegment.copy(payload, 0, key, ValueLayout.JAVA_BYTE, 0, payload.length);
                return (long) SYSCALL.require().invokeExact(state, SYS_ADD_KEY, arena.allocateFrom("logon").address(),
                        arena.allocateFrom(description, StandardCharsets.US_ASCII).address(), key.address(),
                        (long) payload.length, (long) keyring);
            } finally {
                key.fill((byte) 0);
            }
        });
    }

    /**
     * {@code keyctl(KEYCTL_REVOKE, key)}: the key can no longer be used and the kernel frees
     * (and zeroes) its payload now, whoever still links it.
     */
    public static void revoke(int key) throws NativeException {
        keyctl("keyctl(KEYCTL_REVOKE)", key, KEYCTL_REVOKE, 0);
    }

    /** {@code keyctl(KEYCTL_UNLINK, key, keyring)}: drops the keyring's link; an unlinked key is destroyed. */
    public static void unlink(int key, int keyring) throws NativeException {
        keyctl("keyctl(KEYCTL_UNLINK)", key, KEYCTL_UNLINK, keyring);
    }

    private static void keyctl(String call, int key, long operation, long arg) throws NativeException {
        requireAvailable(call, "key " + key);
        Syscall.run(call, "key " + key, (state, arena) ->
                (long) SYSCALL.require().invokeExact(state, SYS_KEYCTL, operation, (long) key, arg, 0L, 0L));
    }

    private static void requireAvailable(String call, String target) throws NativeException {
        String reason = unavailableReason();
        if (reason != null) {
            throw new NativeException(call, target, 0, "not available: " + reason);
        }
    }
}
