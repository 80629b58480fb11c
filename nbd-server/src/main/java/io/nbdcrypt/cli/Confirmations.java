package io.nbdcrypt.cli;

import java.io.Console;

/**
 * cryptsetup's yes-dialog: on a terminal, a warning and "Are you sure? (Type 'yes' in capital
 * letters)", answered by typing YES; in batch mode ({@code -q}) or without a terminal (a
 * script) the answer is yes, as cryptsetup's is.
 */
final class Confirmations {
    private final Console console;

    Confirmations(Console console) {
        this.console = console;
    }

    static Confirmations system() {
        return new Confirmations(System.console());
    }

    /** Whether to go on with what {@code warning} describes. */
    boolean confirm(String warning, boolean batch) {
        if (batch || console == null) {
            return true;
        }
        String answer = console.readLine("%nWARNING!%n========%n%s%n%nAre you sure? (Type 'yes' in capital letters): ", warning);
        return "YES".equals(answer);
    }
}
