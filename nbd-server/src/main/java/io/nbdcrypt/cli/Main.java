package io.nbdcrypt.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code nbdcrypt} program: one picocli subcommand per file in this package.
 *
 * <p>Start-up: picocli reads every registered command's annotations by reflection when the
 * {@link CommandLine} is built (each annotation type a generated proxy class, each option a
 * model object), which a TCG guest pays in seconds. So {@link #main} registers only the
 * subcommand a command line names; {@code help}, an unknown name or none get all of them, so
 * usage, suggestions and {@code help COMMAND} read as before.
 */
@Command(
        name = "nbdcrypt",
        mixinStandardHelpOptions = true,
        version = "nbdcrypt 0.1.0",
        description = "AES-XTS encrypted block devices with LUKS2 headers, served over NBD or mapped with dm-crypt.")
public final class Main implements Runnable {
    /** Every subcommand, by name, in the order usage lists them. */
    private static final Map<String, Supplier<Object>> SUBCOMMANDS = subcommands();

    public static void main(String[] args) {
        System.exit(commandLine(args.length == 0 ? null : args[0]).execute(args));
    }

    /** The program with every subcommand: failures become one line and an {@link ExitStatus}. */
    static CommandLine commandLine() {
        return commandLine(null);
    }

    /** The program for a command line whose first word is {@code first}: just that subcommand when it names one. */
    static CommandLine commandLine(String first) {
        CommandLine cl = new CommandLine(new Main());
        if (first != null && SUBCOMMANDS.containsKey(first)) {
            cl.addSubcommand(first, SUBCOMMANDS.get(first).get());
        } else {
            cl.addSubcommand("help", new CommandLine.HelpCommand());
            SUBCOMMANDS.forEach((name, command) -> cl.addSubcommand(name, command.get()));
        }
        cl.setExecutionExceptionHandler(new ErrorReporter());
        // cryptsetup's "wrong or missing parameters" is 1 (picocli's own default is 2, our "bad passphrase").
        cl.getCommandSpec().exitCodeOnInvalidInput(ExitStatus.WRONG_PARAMETERS);
        cl.getSubcommands().values().forEach(sub -> sub.getCommandSpec().exitCodeOnInvalidInput(ExitStatus.WRONG_PARAMETERS));
        return cl;
    }

    private static Map<String, Supplier<Object>> subcommands() {
        Map<String, Supplier<Object>> m = new LinkedHashMap<>();
        m.put("format", FormatCommand::new);
        m.put("dump", DumpCommand::new);
        m.put("add-key", AddKeyCommand::new);
        m.put("remove-key", RemoveKeyCommand::new);
        m.put("change-key", ChangeKeyCommand::new);
        m.put("test-key", TestKeyCommand::new);
        m.put("repair", RepairCommand::new);
        m.put("serve", ServeCommand::new);
        m.put("demo", DemoCommand::new);
        m.put("provision", ProvisionCommand::new);
        m.put("destroy", DestroyCommand::new);
        m.put("attach", AttachCommand::new);
        m.put("detach", DetachCommand::new);
        m.put("open", OpenCommand::new);
        m.put("close", CloseCommand::new);
        m.put("status", StatusCommand::new);
        m.put("aot-training", AotTrainingCommand::new);
        return m;
    }

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }
}
