package io.nbdcrypt.luks.common;

/**
 * A well-formed header (cryptsetup reads it) that asks for something nbdcrypt does not do or
 * refuses by policy: a cipher or KDF off the allow-list, a KDF cost below the floor, a second
 * segment, a reencryption in progress, a mandatory requirement we do not implement.
 *
 * <p>Commands that unlock or serve treat it like any refused header; {@code dump} shows such
 * a header anyway and lists these refusals. Plain {@link LuksFormatException}s (malformed,
 * inconsistent, out of bounds) refuse the header for every command, as cryptsetup does.
 */
public final class UnsupportedFeatureException extends LuksFormatException {

    public UnsupportedFeatureException(String field, String problem) {
        super(field, problem);
    }
}
