package io.nbdcrypt.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The real kernel keyring of this machine: a logon key in the process keyring, then gone. */
class KeyringTest {
    @Test
    void addLogonKey_thenRevokeAndUnlink_listedOnlyWhileAlive() throws IOException {
        String description = "nbdcrypt-test:" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        byte[] payload = new byte[64];
        payload[0] = 1;
        int key = Keyring.addLogonKey(description, payload, Keyring.PROCESS_KEYRING);
        try {
            Optional<String> line = procKeysLine(description);
            assertTrue(line.isPresent(), "key " + description + " not in /proc/keys");
            assertTrue(line.get().contains(" logon ") && line.get().startsWith(String.format("%08x ", key)),
                    line.get());
        } finally {
            Keyring.revoke(key);
            Keyring.unlink(key, Keyring.PROCESS_KEYRING);
        }
        // Revoking frees the payload at once (the line shows flag R and size 0); the unlinked
        // key itself goes when the kernel's key garbage collector runs, moments later.
        Optional<String> after = procKeysLine(description);
        assertTrue(after.isEmpty() || (after.get().split("\\s+")[1].charAt(1) == 'R' && after.get().endsWith(": 0")),
                "key neither gone nor revoked: " + after);
        for (int i = 0; i < 100 && procKeysLine(description).isPresent(); i++) {
            sleepMillis(50);
        }
        assertEquals(Optional.empty(), procKeysLine(description), "unlinked key still listed after 5 s");
    }

    @Test
    void addLogonKey_descriptionWithoutPrefix_refusedWithEinval() {
        NativeException e = assertThrows(NativeException.class,
                () -> Keyring.addLogonKey("noprefix", new byte[32], Keyring.PROCESS_KEYRING));
        assertEquals(Errno.EINVAL, e.errno(), e.getMessage());
        assertTrue(e.getMessage().startsWith("add_key(logon) noprefix: EINVAL"), e.getMessage());
    }

    @Test
    void revoke_unknownKey_failsWithEnokey() {
        NativeException e = assertThrows(NativeException.class, () -> Keyring.revoke(0x7ffffff0));
        assertEquals(Errno.ENOKEY, e.errno(), e.getMessage());
    }

    private static void sleepMillis(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The /proc/keys line of the key described {@code description}: "serial flags usage timeout perm uid gid type description: ...". */
    private static Optional<String> procKeysLine(String description) throws IOException {
        List<String> lines = Files.readAllLines(Path.of("/proc/keys"));
        return lines.stream().filter(l -> l.contains(" " + description)).findFirst();
    }
}
