package dev.gptjt.engine.cli;

import java.io.InputStream;
import java.io.PrintStream;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code gptjt generate}, {@code gptjt tokenize} and {@code gptjt convert}: the engine without Kafka. */
@Command(
        name = "gptjt",
        mixinStandardHelpOptions = true,
        version = "gptjt-streams 0.1.0",
        description = "The engine without Kafka.",
        subcommands = {GenerateCommand.class, TokenizeCommand.class, ConvertCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] argv) {
        System.exit(run(argv, System.in, System.out, System.err));
    }

    /** @return the process exit code: 0 done, 1 failed, 2 a usage or setup mistake */
    static int run(String[] argv, InputStream in, PrintStream out, PrintStream err) {
        return Cli.execute(new CommandLine(new Main(), new Cli.IoFactory(in, out, err)), argv, out, err);
    }

    /** No command: the list of commands, and exit 2. */
    @Override
    public void run() {
        throw new CommandLine.ParameterException(
                spec.commandLine(), "a command is needed: generate, tokenize or convert");
    }
}
