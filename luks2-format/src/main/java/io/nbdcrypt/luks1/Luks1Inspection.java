package io.nbdcrypt.luks1;

import io.nbdcrypt.luks.common.UnsupportedFeatureException;
import java.util.List;

/**
 * A LUKS1 header as {@code dump} sees it: well-formed (cryptsetup reads it), with what
 * nbdcrypt will not open and why.
 */
public record Luks1Inspection(Luks1Fields fields, List<UnsupportedFeatureException> refusals) {
    public Luks1Inspection {
        refusals = List.copyOf(refusals);
    }
}
