package io.nbdcrypt.crypto.af;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nbdcrypt.crypto.KeyAccess;
import io.nbdcrypt.crypto.VolumeKey;
import io.nbdcrypt.crypto.kdf.HashAlgorithm;
import io.nbdcrypt.testsupport.ExternalTool;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * AF merge against an independent Python transcription of the LUKS1 specification's AFmerge
 * (section "AF-Splitter"); interop with cryptsetup's own split material is in luks2-format.
 */
class AfSplitterTest {

    private static final String PY_MERGE = String.join("\n",
            "import hashlib,sys",
            "h,n,s=sys.argv[1],int(sys.argv[2]),int(sys.argv[3])",
            "m=sys.stdin.buffer.read()",
            "def diffuse(b):",
            "    ds=hashlib.new(h).digest_size; out=b''",
            "    for i in range(0,len(b),ds):",
            "        p=b[i:i+ds]; out+=hashlib.new(h,(i//ds).to_bytes(4,'big')+p).digest()[:len(p)]",
            "    return out",
            "d=bytes(n)",
            "for k in range(s-1):",
            "    d=diffuse(bytes(x^y for x,y in zip(d,m[k*n:(k+1)*n])))",
            "print(bytes(x^y for x,y in zip(d,m[(s-1)*n:s*n])).hex())");

    @ParameterizedTest
    @EnumSource(HashAlgorithm.class)
    void split_anyHash_pythonReferenceMergesToKey(HashAlgorithm hash) {
        byte[] key = new byte[64];
        new SecureRandom().nextBytes(key);
        try (VolumeKey k = VolumeKey.copyOf(key)) {
            byte[] material = AfSplitter.split(k, 50, hash, new SecureRandom());
            String merged = ExternalTool.run(List.of(ExternalTool.debianPython().toString(), "-c", PY_MERGE,
                    hash.luksName(), "64", "50"), material, 60).assertSuccess().stdoutText().trim();
            assertEquals(HexFormat.of().formatHex(key), merged);
        }
    }

    @Test
    void merge_afterSplit_givesKeyBack() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        try (VolumeKey k = VolumeKey.copyOf(key)) {
            byte[] material = AfSplitter.split(k, 4000, HashAlgorithm.SHA256, new SecureRandom());
            try (VolumeKey back = AfSplitter.merge(material, 32, 4000, HashAlgorithm.SHA256)) {
                assertTrue(back.equalsConstantTime(k));
            }
            material[17 * 32 + 5] ^= 1; // one bit of one stripe
            try (VolumeKey broken = AfSplitter.merge(material, 32, 4000, HashAlgorithm.SHA256)) {
                assertFalse(broken.equalsConstantTime(k));
                assertEquals(32, broken.copyBytes(KeyAccess.get()).length);
            }
        }
    }
}
