package io.nbdcrypt.vm;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a guest run reported: its console log and the {@code RESULT name value} lines its
 * script printed, each on a line of its own.
 *
 * <p>A name reported twice makes the run unusable ({@link IllegalStateException}): the host
 * could not tell which value to check. {@link #result} fails naming the missing result, with
 * the console log, so a guest-side failure shows where it happened.
 */
public record GuestRun(String console, Map<String, String> results) {
    private static final Pattern RESULT = Pattern.compile("^RESULT ([A-Za-z0-9_.:@-]+) (\\S+)$");

    public GuestRun {
        results = Collections.unmodifiableMap(new LinkedHashMap<>(results));
    }

    /** Parses a console log (serial line ends {@code \r\n}, interleaved kernel lines ignored). */
    public static GuestRun parse(String console) {
        Map<String, String> results = new LinkedHashMap<>();
        for (String line : console.split("\r?\n|\r")) {
            Matcher m = RESULT.matcher(line.strip());
            if (m.matches() && results.putIfAbsent(m.group(1), m.group(2)) != null) {
                throw new IllegalStateException("guest reported result '" + m.group(1) + "' twice:\n" + console);
            }
        }
        return new GuestRun(console, results);
    }

    /** The value reported under {@code name}; an {@link AssertionError} with the console log if none. */
    public String result(String name) {
        String v = results.get(name);
        if (v == null) {
            throw new AssertionError("guest reported no result '" + name + "'; console log:\n" + console);
        }
        return v;
    }
}
