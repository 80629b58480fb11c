package io.nbdcrypt.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine;

/** The {@code nbdcrypt} program: one picocli subcommand per file in this package. */
@Command(
        name = "nbdcrypt",
        mixinStandardHelpOptions = true,
        version = "nbdcrypt 0.1.0",
        description = "AES-XTS encrypted block devices with LUKS2 headers, served over NBD.",
        subcommands = {CommandLine.HelpCommand.class, FormatCommand.class, DumpCommand.class, AddKeyCommand.class,
            RemoveKeyCommand.class, ChangeKeyCommand.class, TestKeyCommand.class, RepairCommand.class, ServeCommand.class,
            DemoCommand.class, ProvisionCommand.class, DestroyCommand.class, AttachCommand.class, DetachCommand.class,
            AotTrainingCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The program as {@link #main} runs it: failures become one line and an {@link ExitStatus}. */
    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main()).setExecutionExceptionHandler(new ErrorReporter());
        // cryptsetup's "wrong or missing parameters" is 1 (picocli's own default is 2, our "bad passphrase").
        cl.getCommandSpec().exitCodeOnInvalidInput(ExitStatus.WRONG_PARAMETERS);
        cl.getSubcommands().values().forEach(sub -> sub.getCommandSpec().exitCodeOnInvalidInput(ExitStatus.WRONG_PARAMETERS));
        return cl;
    }

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }
}
