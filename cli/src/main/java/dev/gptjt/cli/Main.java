package dev.gptjt.cli;

import dev.gptjt.engine.cli.Cli;
import java.io.InputStream;
import java.io.PrintStream;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The Kafka side of {@code bin/gptjt}: broker, send, tail, demo, eval, run, bench. */
@Command(
        name = "gptjt",
        mixinStandardHelpOptions = true,
        version = "gptjt-streams 0.1.0",
        description = "Kafka-native inference for GPT-JT-6B.",
        subcommands = {
            BrokerCommand.class,
            SendCommand.class,
            TailCommand.class,
            DemoCommand.class,
            EvalCommand.class,
            DistillCommand.class,
            RunCommand.class,
            BenchCommand.class
        })
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] argv) {
        System.exit(run(argv, System.in, System.out, System.err));
    }

    /** The command line of every Kafka-side command, its streams the given ones. */
    static CommandLine commandLine(InputStream in, PrintStream out, PrintStream err) {
        return new CommandLine(new Main(), new Cli.IoFactory(in, out, err));
    }

    /** Runs one command; returns its exit code (0 done, 1 failed, 2 a usage or setup mistake). */
    public static int run(String[] argv, InputStream in, PrintStream out, PrintStream err) {
        return Cli.execute(commandLine(in, out, err), argv, out, err);
    }

    /** No command: exit 2 naming them. */
    @Override
    public void run() {
        throw new CommandLine.ParameterException(
                spec.commandLine(), "a command is needed: broker, send, tail, demo, eval, run or bench");
    }
}
