package io.nbdcrypt.luks2.token;

import java.util.List;

/** A LUKS2 token, known only by its type and the keyslots it lists; its other fields stay in the JSON untouched. */
public record Token(int id, String type, List<Integer> keyslots) {
    public Token {
        keyslots = List.copyOf(keyslots);
    }
}
