package io.nbdcrypt.provision;

import java.util.List;

/** The backends {@code --backend} can name. */
public final class Backends {
    private Backends() {}

    /** The names known in this build. */
    public static List<String> names() {
        return List.of("nbd");
    }

    /**
     * The backend called {@code name}.
     *
     * @throws IllegalArgumentException naming the known ones otherwise
     */
    public static Backend byName(String name) {
        return switch (name) {
            case "nbd" -> new NbdBackend();
            default -> throw new IllegalArgumentException("--backend '" + name + "' is not known; known: " + names());
        };
    }
}
