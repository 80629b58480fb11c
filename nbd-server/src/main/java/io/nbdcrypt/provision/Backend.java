package io.nbdcrypt.provision;

import java.io.IOException;

/**
 * One way to give the kernel the plaintext of an unlocked volume as a block device: the data
 * path in this process served over NBD ({@link NbdBackend}), or the kernel's own dm-crypt
 * (a crypt table loaded through device-mapper). Provisioning, {@code serve --attach} and a Java
 * agent all go through this interface, so a second backend is one more implementation.
 *
 * <p>Contract: {@link #attach} either returns a working {@link Attachment} or leaves nothing
 * behind in the kernel. The volume stays the caller's: the backend never closes the raw
 * device, and takes its own copy of the key during {@code attach} (NBD: the cipher's key
 * schedule; dm-crypt: the kernel's table), so the caller wipes its key as soon as
 * {@code attach} returns; the backend destroys its copy in {@link Attachment#close()}.
 */
public interface Backend {
    /** The name {@code --backend} uses: {@code "nbd"}, {@code "dm-crypt"}. */
    String name();

    /**
     * Attaches {@code volume}.
     *
     * @throws io.nbdcrypt.kernel.NoNbdClientException (NBD) or another {@link IOException}
     *         naming the missing kernel feature when this kernel cannot do it
     * @throws IOException when the kernel refuses (device busy, bad size, no permission)
     */
    Attachment attach(UnlockedVolume volume, AttachOptions options) throws IOException;

    /**
     * Whether the kernel claims the raw device itself when attaching (dm-crypt opens it
     * exclusively for its table), so the caller must not hold it open with {@code O_EXCL}
     * during {@link #attach} (a shared lock is fine); the kernel's claim then keeps others out.
     */
    default boolean claimsRawDevice() {
        return false;
    }
}
