package io.nbdcrypt.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Real round trips with this machine's kernel: the controller family exists everywhere (names are at most 15 bytes, GENL_NAMSIZ). */
class GenericNetlinkTest {
    @Test
    void resolve_controllerFamily_isItsFixedId() throws NativeException {
        try (GenericNetlink g = GenericNetlink.open()) {
            assertEquals(Optional.of(GenericNetlink.GENL_ID_CTRL), g.resolve("nlctrl"));
        }
    }

    @Test
    void resolve_unknownFamily_isEmptyNotAnError() throws NativeException {
        try (GenericNetlink g = GenericNetlink.open()) {
            assertTrue(g.resolve("nbdcrypt-none").isEmpty());
        }
    }

    @Test
    void resolve_twiceOnOneSocket_sequencesDoNotMix() throws NativeException {
        try (GenericNetlink g = GenericNetlink.open()) {
            assertTrue(g.resolve("nbdcrypt-none").isEmpty());
            assertEquals(Optional.of(GenericNetlink.GENL_ID_CTRL), g.resolve("nlctrl"));
        }
    }
}
