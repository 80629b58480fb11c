package io.nbdcrypt.provision;

import io.nbdcrypt.kernel.KernelNbd;
import java.util.List;

/**
 * The backends {@code --backend} can name: {@code nbd}, {@code dm-crypt}, and {@code auto},
 * which takes NBD where this kernel has an NBD client and dm-crypt otherwise (the stock Kata
 * guest kernel has dm-crypt but no NBD client), and says which it took and why.
 */
public final class Backends {
    private Backends() {}

    /** A backend and why it was chosen (for {@code auto}; the plain name otherwise). */
    public record Choice(Backend backend, String why) {}

    /** The names known in this build. */
    public static List<String> names() {
        return List.of("auto", "nbd", "dm-crypt");
    }

    /**
     * The backend called {@code name} ({@code auto} resolved now).
     *
     * @throws IllegalArgumentException naming the known ones otherwise
     */
    public static Backend byName(String name) {
        return choose(name).backend();
    }

    /** {@link #byName} with the reason, for the report. */
    public static Choice choose(String name) {
        return switch (name) {
            case "nbd" -> new Choice(new NbdBackend(), "asked for nbd");
            case "dm-crypt" -> new Choice(new DmCryptBackend(), "asked for dm-crypt");
            case "auto" -> auto(KernelNbd.hasClient());
            default -> throw new IllegalArgumentException("--backend '" + name + "' is not known; known: " + names());
        };
    }

    static Choice auto(boolean kernelHasNbdClient) {
        return kernelHasNbdClient
                ? new Choice(new NbdBackend(), "auto: this kernel has an NBD client")
                : new Choice(new DmCryptBackend(), "auto: this kernel has no NBD client (no netlink family nbd, no"
                        + " /dev/nbd*, modprobe nbd failed), so dm-crypt");
    }
}
