package io.nbdcrypt.provision;

import java.nio.file.Path;
import java.util.List;

/**
 * What destroy did, step by step, for the user or the agent.
 *
 * @param mountPoint where the file system was
 * @param device     the kernel device that was detached
 * @param raw        the raw disk
 * @param unmount    "unmounted", "lazily unmounted (busy)", or the failure
 * @param detach     "detached", or the failure
 * @param key        "wiped"
 * @param discard    what {@link RawDiscard} did, or the failure
 * @param errors     the steps that failed (empty when all went well)
 */
public record DestroyReport(Path mountPoint, Path device, Path raw, String unmount, String detach, String key,
        String discard, List<String> errors) {
    public boolean ok() {
        return errors.isEmpty();
    }
}
