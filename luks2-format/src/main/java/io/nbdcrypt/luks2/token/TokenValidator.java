package io.nbdcrypt.luks2.token;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nbdcrypt.luks.common.LuksFormatException;
import io.nbdcrypt.luks2.json.JsonFields;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** Validates the {@code tokens} section: each has a string {@code type} and lists only existing keyslots. */
public final class TokenValidator {
    private TokenValidator() {}

    public static Map<Integer, Token> validate(ObjectNode tokens, Set<Integer> keyslotIds) throws LuksFormatException {
        Map<Integer, Token> out = new TreeMap<>();
        for (Map.Entry<String, JsonNode> e : tokens.properties()) {
            String path = "tokens." + e.getKey();
            int id = JsonFields.parseId(e.getKey(), path, 32);
            if (!(e.getValue() instanceof ObjectNode t)) {
                throw new LuksFormatException(path, "must be an object");
            }
            String type = JsonFields.string(t, "type", path);
            var keyslots = JsonFields.ids(t, "keyslots", path, 32);
            for (int k : keyslots) {
                if (!keyslotIds.contains(k)) {
                    throw new LuksFormatException(path + ".keyslots", "references keyslot " + k + ", which does not exist");
                }
            }
            out.put(id, new Token(id, type, keyslots));
        }
        return out;
    }
}
