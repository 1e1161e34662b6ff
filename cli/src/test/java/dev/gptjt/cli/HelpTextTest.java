package dev.gptjt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every command answers {@code --help} and {@code -h}; bad arguments exit 2 with one line that names
 * them; and {@code bin/help/*.txt}, which the launcher prints without building, is what the commands
 * themselves print ({@code -Dgptjt.help.update=true} rewrites the files).
 */
class HelpTextTest {
    private static final Path HELP =
            Path.of(System.getProperty("gptjt.models")).getParent().resolve("bin/help");

    private record Outcome(int code, String out, String err) {}

    private static Outcome gptjt(String... argv) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(
                argv,
                new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Every command, by the file name its help text is kept under ({@code gptjt} for the root's). */
    private static Map<String, CommandLine> commands() {
        Map<String, CommandLine> all = new TreeMap<>();
        CommandLine root = Main.commandLine(System.in, System.out, System.err);
        all.put("gptjt", root);
        root.getSubcommands().forEach((name, cl) -> {
            all.put(name, cl);
            cl.getSubcommands().forEach((sub, subCl) -> all.put(name + "-" + sub, subCl));
        });
        return all;
    }

    @Test
    void shouldKeepTheLaunchersHelpFilesEqualToTheCommandsOwnHelp() throws Exception {
        boolean update = Boolean.getBoolean("gptjt.help.update");
        List<String> stale = new ArrayList<>();
        for (var e : commands().entrySet()) {
            String usage = e.getValue().getUsageMessage(CommandLine.Help.Ansi.OFF);
            Path file = HELP.resolve(e.getKey() + ".txt");
            if (update) {
                Files.writeString(file, usage);
            } else if (!Files.isRegularFile(file) || !Files.readString(file).equals(usage)) {
                stale.add(file.getFileName().toString());
            }
        }
        assertTrue(
                stale.isEmpty(),
                "bin/help is stale for " + stale + ": run the cli tests with -Dgptjt.help.update=true");
        assertTrue(Files.isRegularFile(HELP.resolve("serve.txt")), "serve's help is the launcher's own");
    }

    @Test
    void shouldAnswerHelpAndDashHForEveryCommand() {
        for (String command : commands().keySet()) {
            if (command.equals("gptjt")) {
                continue;
            }
            command = command.replaceFirst("-", " "); // bench-scale-out: bench scale-out
            for (String help : List.of("--help", "-h")) {
                List<String> argv = new ArrayList<>(List.of(command.split(" ")));
                argv.add(help);
                Outcome o = gptjt(argv.toArray(String[]::new));
                assertEquals(0, o.code(), command + " " + help + ": " + o.err());
                assertTrue(o.out().startsWith("Usage: gptjt " + command), o.out());
            }
        }
    }

    @Test
    void shouldNameEachBadArgumentInOneLineAndExit2() {
        String[][] bad = {
            {"tail", "--count", "many", "'many' is not an int"},
            {"tail", "--timeout", "soon", "'soon' is not a duration"},
            {"demo", "--colour", "Unknown option: '--colour'"},
            {"bench", "engine", "--model", "m", "--batch-sizes", "1,x", "'x' is not an int"},
            {"bench", "engine", "--model", "m", "--backends", "gpu", "'gpu' is none of auto, java-loop, in-graph"},
            {"bench", "pipeline", "--load", "2", "--load is a fraction of the measured capacity, in (0, 1]; got 2.0"},
            {"bench", "pipeline", "--load", "0.5", "--max", "--load sets the rate from the measured capacity"},
            {"bench", "transfer", "Missing required option: '--model-config=config.json'"},
            {"bench", "frobnicate", "Unmatched argument at index 1: 'frobnicate'"},
            {"bench", "bench needs a target: engine, pipeline, lanes, scale-out, cache, task, transfer or model"},
            {"bench", "cache", "--repeats", "1", "--repeats: a share of the records in [0, 1); got 1.0"},
            {"bench", "cache", "--count", "3", "--repeats", "0.1", "--repeats: 0.1 of 3 records is no repeat at all"},
            {"bench", "cache", "--rate", "0", "--rate: the stream's pace, more than 0 records per second"},
            {"bench", "cache", "--rounds", "0", "--rounds: at least 1; got 0"},
            {"bench", "cache", "--repeat-gap", "soon", "'soon' is not a duration"},
            {"bench", "lanes", "--load", "1", "--load: realtime's share of the capacity, in (0, 1)"},
            {"bench", "lanes", "--bulk-backlog", "0", "--bulk-backlog: bulk records before phases (b) and (c)"},
            {"bench", "lanes", "--bulk-topic", "gptjt.prompts", "--bulk-topic must differ from --topic"},
            {"bench", "lanes", "--count", "0", "--count: the lanes bench measures a number of realtime prompts"},
            {"bench", "lanes", "--idle-timeout", "0s", "--idle-timeout: more than 0"},
            {"bench", "scale-out", "--instances", "1,0,1", "--instances: an instance count is from 1 to 6"},
            {"bench", "scale-out", "--instances", "1,x", "'x' is not an int"},
            {"bench", "scale-out", "--rate", "0", "--rate: scale-out runs a steady load, more than 0"},
            {"bench", "scale-out", "--step", "0s", "--step: more than 0"},
            {"bench", "pipeline", "--rate", "-1", "--rate: prompts per second, 0 or more"},
            {"eval", "--task", "sentiment", "Missing required option: '--model=DIR'"},
            {"eval", "--task", "nope", "--model", "x", "unknown task 'nope'"},
            {
                "run",
                "--task",
                "sentiment",
                "--model",
                "x",
                "--backend",
                "fast",
                "'fast' is none of auto, java-loop, in-graph"
            },
            {"broker", "--port", "high", "'high' is not an int"},
            {"generate", "Missing required option: '--model=DIR'"},
            {"tokenize", "Missing required option: '--model=DIR'"},
            {"convert", "--greedy-in-graph", "Missing required option: '--out=DIR'"},
            {
                "distill",
                "--task",
                "sentiment",
                "--texts",
                "t.jsonl",
                "--out",
                "o",
                "Missing required option: '--model=DIR'"
            },
            {
                "distill",
                "--task",
                "sentiment",
                "--from-topic",
                "--model",
                "m",
                "--out",
                "o",
                "--model labels --texts; with --from-topic the service's answers are the labels"
            },
            {
                "verdict",
                "--task",
                "sentiment",
                "--id",
                "1",
                "--label",
                "joy",
                "Missing required option: '--reviewer=WHO'"
            },
            {
                "verdict",
                "--task",
                "sentiment",
                "--id",
                "1",
                "--label",
                "spam",
                "--reviewer",
                "r",
                "--label: 'spam' is not one of task sentiment's labels"
            },
            {
                "verdict",
                "--task",
                "entities",
                "--id",
                "1",
                "--label",
                "joy",
                "--reviewer",
                "r",
                "--task: entities does not classify (its mode is extract); verdicts label classify tasks"
            },
            {"generate", "--model", "m", "--seed", "soon", "'soon' is neither a number nor none"},
            {"nosuch", "Unmatched argument at index 0: 'nosuch'"},
            {"a command is needed"}
        };
        for (String[] c : bad) {
            Outcome o = gptjt(Arrays.copyOf(c, c.length - 1));
            assertEquals(2, o.code(), String.join(" ", c) + ": " + o.err());
            assertEquals(1, o.err().strip().lines().count(), "one line: " + o.err());
            assertTrue(
                    o.err().startsWith("gptjt: ") && o.err().contains(c[c.length - 1]),
                    String.join(" ", c) + " → " + o.err());
        }
    }

    @Test
    void shouldDeclareEachOptionInOneClassAndMixItIntoTheCommandsThatShareIt() {
        Map<String, java.util.Set<String>> declaredIn = new TreeMap<>();
        for (CommandLine cl : commands().values()) {
            for (CommandLine.Model.OptionSpec o : cl.getCommandSpec().options()) {
                if (o.userObject() instanceof java.lang.reflect.Field f) {
                    declaredIn
                            .computeIfAbsent(o.longestName(), k -> new java.util.TreeSet<>())
                            .add(f.getDeclaringClass().getName());
                }
            }
        }
        List<String> twice = new ArrayList<>();
        declaredIn.forEach((option, classes) -> {
            if (classes.size() > 1) {
                twice.add(option + " in " + classes);
            }
        });
        assertTrue(twice.isEmpty(), "options declared in more than one class (share a mixin instead): " + twice);
        assertTrue(
                declaredIn.containsKey("--model") && declaredIn.get("--model").size() == 1, declaredIn.toString());
    }

    @Test
    void shouldListEveryCommandUnderItsFamilyInTheRootsHelp() {
        Outcome o = gptjt("--help");
        assertEquals(0, o.code(), o.err());
        for (String family : Main.FAMILIES.keySet()) {
            assertTrue(o.out().contains("\n" + family + ":\n"), family + " in " + o.out());
        }
        CommandLine root = Main.commandLine(System.in, System.out, System.err);
        java.util.Set<String> listed = new java.util.TreeSet<>();
        Main.FAMILIES.values().forEach(listed::addAll);
        java.util.Set<String> commands =
                new java.util.TreeSet<>(root.getSubcommands().keySet());
        commands.add("serve");
        commands.removeAll(List.of("help"));
        assertEquals(commands, listed, "every command in one family");
    }
}
