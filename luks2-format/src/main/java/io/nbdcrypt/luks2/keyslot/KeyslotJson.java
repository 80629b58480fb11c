package io.nbdcrypt.luks2.keyslot;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nbdcrypt.crypto.kdf.KdfParameters;
import io.nbdcrypt.luks2.json.JsonArea;
import java.util.Base64;

/** Builds the JSON of a new {@code luks2} keyslot, field for field as cryptsetup writes it. */
public final class KeyslotJson {
    private KeyslotJson() {}

    public static ObjectNode build(Keyslot k) {
        ObjectNode n = JsonArea.newObject();
        n.put("type", "luks2");
        n.put("key_size", k.keySize());
        if (k.priority() != Keyslot.PRIORITY_NORMAL) {
            n.put("priority", k.priority());
        }
        ObjectNode af = n.putObject("af");
        af.put("type", "luks1");
        af.put("stripes", k.stripes());
        af.put("hash", k.afHash().luksName());
        ObjectNode area = n.putObject("area");
        area.put("type", "raw");
        area.put("offset", Long.toString(k.areaOffset()));
        area.put("size", Long.toString(k.areaSize()));
        area.put("encryption", k.areaCipher().spec());
        area.put("key_size", k.areaKeySize());
        ObjectNode kdf = n.putObject("kdf");
        kdf.put("type", k.kdf().type());
        switch (k.kdf()) {
            case KdfParameters.Pbkdf2 p -> {
                kdf.put("hash", p.hash().luksName());
                kdf.put("iterations", p.iterations());
            }
            case KdfParameters.Argon2 a -> {
                kdf.put("time", a.time());
                kdf.put("memory", a.memoryKiB());
                kdf.put("cpus", a.parallelism());
            }
        }
        kdf.put("salt", Base64.getEncoder().encodeToString(k.kdfSalt()));
        return n;
    }
}
