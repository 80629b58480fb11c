package io.nbdcrypt.luks2.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nbdcrypt.block.auth.AuthenticatedLayout;
import io.nbdcrypt.crypto.kdf.HashAlgorithm;
import io.nbdcrypt.crypto.kdf.KdfParameters;
import io.nbdcrypt.luks2.FormatOptions;
import io.nbdcrypt.luks2.Luks2Formatter;
import io.nbdcrypt.luks2.Luks2Volume;
import io.nbdcrypt.luks.common.HeaderLocation;
import io.nbdcrypt.luks.common.LuksFormatException;
import io.nbdcrypt.luks2.segment.AuthenticatedIntegrity;
import io.nbdcrypt.luks2.segment.Segment;
import java.security.SecureRandom;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The authenticated segment as our formatter writes it, and each way a host could bend it
 * toward plain XTS (or nonsense): drop the requirement, add the requirement alone, change the
 * cipher, the integrity type, the tree's size or place. Each is refused naming the field.
 */
class AuthenticatedSegmentTest {
    private static final long RAW = 1L << 30;

    private static MemoryBlockDevice formatted() throws Exception {
        MemoryBlockDevice hdr = new MemoryBlockDevice(new byte[(int) (16L << 20)]);
        FormatOptions o = FormatOptions.defaults(new KdfParameters.Pbkdf2(HashAlgorithm.SHA256, 1000));
        Luks2Formatter.formatAuthenticatedWithoutKeyslot(hdr, o, AuthenticatedLayout.fit(0, RAW, 4096), new SecureRandom())
                .volumeKey().close();
        return hdr;
    }

    @Test
    void format_authenticated_segmentCarriesTheLayoutAndTheRequirement() throws Exception {
        Luks2Volume v = Luks2Volume.open(formatted(), HeaderLocation.DETACHED);
        Segment s = v.header().dataSegment();
        AuthenticatedLayout want = AuthenticatedLayout.fit(0, RAW, 4096);
        assertEquals(want, s.authenticated().orElseThrow().layout(s));
        assertEquals("aes-256-gcm", s.encryption().spec());
        assertTrue(v.header().config().requirements().contains(AuthenticatedIntegrity.REQUIREMENT));
    }

    @Test
    void requirementRemoved_refusedSoNothingMapsItAsDmCrypt() throws Exception {
        expectRefusal(j -> ((ObjectNode) j.get("config")).remove("requirements"), "config.requirements.mandatory");
    }

    @Test
    void integrityRemovedRequirementKept_refused() throws Exception {
        expectRefusal(j -> {
            ObjectNode seg = segment(j);
            seg.remove("integrity");
            seg.put("encryption", "aes-xts-plain64");
        }, "segments");
    }

    @Test
    void integrityTypeChanged_refused() throws Exception {
        expectRefusal(j -> ((ObjectNode) segment(j).get("integrity")).put("type", "hmac(sha256)"), "segments.0.integrity.type");
    }

    @Test
    void cipherChangedToXts_refused() throws Exception {
        expectRefusal(j -> segment(j).put("encryption", "aes-xts-plain64"), "segments.0.encryption");
    }

    @Test
    void treeSmallerThanTheDataNeeds_refused() throws Exception {
        expectRefusal(j -> ((ObjectNode) segment(j).get("integrity")).put("metadata_size", "4096"),
                "segments.0.integrity.metadata_size");
    }

    @Test
    void treeMovedIntoTheData_refused() throws Exception {
        expectRefusal(j -> ((ObjectNode) segment(j).get("integrity")).put("metadata_offset", "4096"),
                "segments.0.integrity.metadata_offset");
    }

    @Test
    void sizeMadeDynamic_refused() throws Exception {
        expectRefusal(j -> segment(j).put("size", "dynamic"), "segments.0.size");
    }

    @Test
    void unknownRequirementBeside_refused() throws Exception {
        expectRefusal(j -> ((com.fasterxml.jackson.databind.node.ArrayNode) j.get("config").get("requirements").get("mandatory"))
                .add("online-reencrypt-v2"), "config.requirements.mandatory");
    }

    private static ObjectNode segment(ObjectNode json) {
        return (ObjectNode) json.get("segments").get("0");
    }

    private static void expectRefusal(Consumer<ObjectNode> edit, String field) throws Exception {
        MemoryBlockDevice hdr = formatted();
        ObjectNode j = HeaderEditor.json(hdr, 0);
        edit.accept(j);
        HeaderEditor.setJson(hdr, j);
        LuksFormatException e = assertThrows(LuksFormatException.class, () -> Luks2Volume.open(hdr, HeaderLocation.DETACHED));
        assertTrue(e.getMessage().contains(field), field + " expected in: " + e.getMessage());
    }
}
