package dev.gptjt.cli;

import dev.gptjt.cli.bench.BenchCommand;
import dev.gptjt.cli.engine.ConvertCommand;
import dev.gptjt.cli.engine.GenerateCommand;
import dev.gptjt.cli.engine.TokenizeCommand;
import dev.gptjt.cli.kafka.BrokerCommand;
import dev.gptjt.cli.kafka.DemoCommand;
import dev.gptjt.cli.kafka.SendCommand;
import dev.gptjt.cli.kafka.TailCommand;
import dev.gptjt.cli.kafka.VerdictCommand;
import dev.gptjt.cli.registry.RegistryCommand;
import dev.gptjt.cli.task.DistillCommand;
import dev.gptjt.cli.task.EvalCommand;
import dev.gptjt.cli.task.RunCommand;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code gptjt}: every command of the launcher under one root, listed in help by family. {@code serve} is
 * the one command {@code bin/gptjt} runs itself: it {@code exec}s the Quarkus service so that signals reach it.
 */
@Command(
        name = "gptjt",
        mixinStandardHelpOptions = true,
        version = "gptjt-streams 0.1.0",
        description = "Kafka-native inference for GPT-JT-6B.",
        synopsisSubcommandLabel = "COMMAND",
        subcommands = {
            BrokerCommand.class,
            RegistryCommand.class,
            SendCommand.class,
            TailCommand.class,
            VerdictCommand.class,
            DemoCommand.class,
            GenerateCommand.class,
            TokenizeCommand.class,
            ConvertCommand.class,
            RunCommand.class,
            EvalCommand.class,
            DistillCommand.class,
            BenchCommand.class
        },
        footer = {
            "",
            "'gptjt COMMAND --help' tells a command's options; relative paths are taken from where you run it."
        })
public final class Main implements Runnable {
    /** The commands by family, in the order help lists them; {@code serve} is the launcher's own. */
    static final Map<String, List<String>> FAMILIES = families();

    /** {@code serve}'s line in the list (its options: {@code gptjt serve --help}, kept in bin/help/serve.txt). */
    static final String SERVE = "The Kafka Streams service (bin/gptjt execs it, so signals reach it).";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private static Map<String, List<String>> families() {
        Map<String, List<String>> f = new LinkedHashMap<>();
        f.put("Kafka", List.of("serve", "broker", "registry", "send", "tail", "verdict", "demo"));
        f.put("Engine (no Kafka)", List.of("generate", "tokenize", "convert"));
        f.put("Tasks (no Kafka)", List.of("run", "eval", "distill"));
        f.put("Benchmarks", List.of("bench"));
        return f;
    }

    public static void main(String[] argv) {
        System.exit(run(argv, System.in, System.out, System.err));
    }

    /** The whole command tree, its streams the given ones. */
    public static CommandLine commandLine(InputStream in, PrintStream out, PrintStream err) {
        CommandLine root = new CommandLine(new Main(), new Cli.IoFactory(in, out, err));
        root.setDefaultValueProvider(new OptionDefaults.Provider());
        root.getHelpSectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_COMMAND_LIST_HEADING, help -> "");
        root.getHelpSectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_COMMAND_LIST, Main::commandList);
        return root;
    }

    /** Runs one command; returns its exit code (0 done, 1 failed, 2 a usage or setup mistake). */
    public static int run(String[] argv, InputStream in, PrintStream out, PrintStream err) {
        return Cli.execute(commandLine(in, out, err), argv, out, err);
    }

    /** The commands under a heading per family, each with the first line of its description. */
    private static String commandList(CommandLine.Help help) {
        StringBuilder text = new StringBuilder();
        int width = 12;
        FAMILIES.forEach((family, names) -> {
            text.append('\n').append(family).append(":\n");
            for (String name : names) {
                CommandLine.Help sub = help.subcommands().get(name);
                String line =
                        sub == null ? SERVE : sub.commandSpec().usageMessage().description()[0];
                text.append(String.format("  %-" + width + "s%s%n", name, line));
            }
        });
        return text.toString();
    }

    /** No command: exit 2 naming them. */
    @Override
    public void run() {
        throw new CommandLine.ParameterException(
                spec.commandLine(), "a command is needed (see 'gptjt --help' for the list)");
    }
}
