package io.nbdcrypt.luks.common;

/**
 * Keeps the first policy refusal found while checking one header item, so the item's
 * structural checks still run (a malformed item is refused as malformed, whatever else it
 * asks for) and the refusal is thrown once they passed.
 */
public final class FirstRefusal {
    private UnsupportedFeatureException first;

    /** Notes a refusal of {@code field}, unless an earlier one was noted. */
    public void note(String field, String problem) {
        note(new UnsupportedFeatureException(field, problem));
    }

    public void note(UnsupportedFeatureException e) {
        if (first == null) {
            first = e;
        }
    }

    /** Throws the first noted refusal, if any. */
    public void throwIfAny() throws UnsupportedFeatureException {
        if (first != null) {
            throw first;
        }
    }
}
