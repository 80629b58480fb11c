package io.nbdcrypt.nbd.backend;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The exports a server offers, by name. The first export added is the default: it also
 * answers to the empty name, which is what {@code nbd+unix:///?socket=...} URIs ask for.
 * Immutable after construction; safe to share across connections.
 */
public final class ExportRegistry implements AutoCloseable {
    private final Map<String, Export> byName = new LinkedHashMap<>();
    private final Export defaultExport;
    private final List<AutoCloseable> resources;

    /**
     * @param exports   at least one; names must be distinct
     * @param resources closed after the devices when the registry closes (e.g. key holders to wipe)
     */
    public ExportRegistry(List<Export> exports, List<? extends AutoCloseable> resources) {
        if (exports.isEmpty()) {
            throw new IllegalArgumentException("at least one export is needed");
        }
        for (Export e : exports) {
            if (byName.putIfAbsent(e.name(), e) != null) {
                throw new IllegalArgumentException("duplicate export name '" + e.name() + "'");
            }
        }
        this.defaultExport = exports.getFirst();
        this.resources = List.copyOf(resources);
    }

    /** A registry with one export and nothing else to close. */
    public static ExportRegistry of(Export export) {
        return new ExportRegistry(List.of(export), List.of());
    }

    /** The export answering to {@code name}; the empty name means the default export. */
    public Optional<Export> find(String name) {
        Export e = byName.get(name);
        if (e == null && name.isEmpty()) {
            e = defaultExport;
        }
        return Optional.ofNullable(e);
    }

    public Collection<Export> exports() {
        return byName.values();
    }

    public Export defaultExport() {
        return defaultExport;
    }

    /** Flushes and closes every device, then closes the extra resources (wiping keys); reports the first failure. */
    @Override
    public void close() throws IOException {
        List<Exception> failures = new ArrayList<>();
        for (Export e : byName.values()) {
            try (var d = e.device()) {
                if (!e.readOnly()) {
                    d.flush();
                }
            } catch (IOException | RuntimeException ex) {
                failures.add(ex);
            }
        }
        for (AutoCloseable r : resources) {
            try {
                r.close();
            } catch (Exception ex) {
                failures.add(ex);
            }
        }
        if (!failures.isEmpty()) {
            IOException io = new IOException("closing exports failed: " + failures.getFirst().getMessage(),
                    failures.getFirst());
            failures.stream().skip(1).forEach(io::addSuppressed);
            throw io;
        }
    }
}
