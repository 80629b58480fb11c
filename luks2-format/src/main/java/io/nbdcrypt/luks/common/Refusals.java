package io.nbdcrypt.luks.common;

import java.util.List;

/**
 * What a validator does with an {@link UnsupportedFeatureException}: {@link #STRICT} throws
 * it (opening, serving, changing keyslots), {@link #collectInto} notes it and lets
 * validation go on (inspecting, for {@code dump}). Malformed headers are thrown either way.
 */
@FunctionalInterface
public interface Refusals {
    /** Throws every refusal: the first one ends validation. */
    Refusals STRICT = e -> {
        throw e;
    };

    void refuse(UnsupportedFeatureException e) throws UnsupportedFeatureException;

    /** Adds every refusal to {@code list} and carries on. */
    static Refusals collectInto(List<UnsupportedFeatureException> list) {
        return list::add;
    }
}
