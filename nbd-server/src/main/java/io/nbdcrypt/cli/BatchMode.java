package io.nbdcrypt.cli;

import picocli.CommandLine.Option;

/** {@code -q/--batch-mode} (picocli mixin), accepted by every command that may ask anything, as cryptsetup's is. */
final class BatchMode {
    @Option(names = {"-q", "--batch-mode"}, description = "Do not ask for confirmation.")
    boolean batch;
}
