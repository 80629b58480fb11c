package io.nbdcrypt.kernel.dm;

import io.nbdcrypt.crypto.KeyAccess;
import io.nbdcrypt.crypto.SecretBytes;
import io.nbdcrypt.crypto.VolumeKey;
import io.nbdcrypt.linux.Errno;
import io.nbdcrypt.linux.Keyring;
import io.nbdcrypt.linux.NativeException;

/**
 * A volume key lent to the kernel for one table load: a {@code logon} key in this process's
 * keyring, referenced from the table as {@code :<bytes>:logon:<description>}.
 *
 * <p>Why the process keyring: dm-crypt looks the reference up in the keyrings of the thread
 * that loads the table (thread, then process, then session). A thread keyring belongs to one
 * OS thread, and a JVM gives no promise that the thread adding the key is the one making the
 * ioctl (a virtual thread may move between carriers between two calls); the process keyring
 * is seen by every thread of this process and by no other process, and it dies with the
 * process, so even a crash between add and remove leaves no key behind. The session or user
 * keyring would outlive us.
 *
 * <p>{@link #close()} revokes the key (the kernel frees and zeroes the payload at once) and
 * unlinks it (the key itself goes); callers close it as soon as the table is live, and on
 * every error path. The Java copy of the key bytes is wiped before {@link #add} returns.
 */
final class KernelKey implements AutoCloseable {
    private final int serial;
    private final KeyReference.Keyring reference;
    private boolean closed;

    private KernelKey(int serial, KeyReference.Keyring reference) {
        this.serial = serial;
        this.reference = reference;
    }

    /**
     * Adds {@code volumeKey} under {@code description} ({@code "nbdcrypt:..."}, no whitespace).
     *
     * @throws DmCryptException UNAVAILABLE without keyring support, FAILED otherwise
     */
    static KernelKey add(String description, VolumeKey volumeKey) throws DmCryptException {
        if (!Keyring.available()) {
            throw new DmCryptException(DmCryptException.Reason.UNAVAILABLE,
                    "the kernel keyring cannot be used here: " + Keyring.unavailableReason());
        }
        byte[] key = volumeKey.copyBytes(KeyAccess.get());
        try {
            int serial = Keyring.addLogonKey(description, key, Keyring.PROCESS_KEYRING);
            return new KernelKey(serial, new KeyReference.Keyring(key.length, "logon", description));
        } catch (NativeException e) {
            if (e.errno() == Errno.ENOSYS) {
                throw new DmCryptException(DmCryptException.Reason.UNAVAILABLE,
                        "this kernel has no key retention service (CONFIG_KEYS), which dm-crypt needs for keys"
                                + " kept out of its table", e);
            }
            throw new DmCryptException(DmCryptException.Reason.FAILED, "cannot hand the volume key to the kernel: "
                    + e.getMessage(), e);
        } finally {
            SecretBytes.wipe(key);
        }
    }

    /** Revokes and unlinks the key; idempotent; a key already gone is fine. */
    @Override
    public void close() throws DmCryptException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Keyring.revoke(serial);
        } catch (NativeException e) {
            if (e.errno() != Errno.ENOKEY && e.errno() != Errno.EKEYREVOKED) {
                throw new DmCryptException(DmCryptException.Reason.FAILED, "cannot revoke the volume key "
                        + reference.description() + " in the kernel keyring: " + e.getMessage(), e);
            }
        }
        try {
            Keyring.unlink(serial, Keyring.PROCESS_KEYRING);
        } catch (NativeException e) {
            // Revoked already: its payload is gone; an unlink that fails only delays the
            // kernel's collection of an empty key, which the process's exit finishes anyway.
        }
    }
}
