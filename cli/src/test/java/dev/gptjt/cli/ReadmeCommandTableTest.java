package dev.gptjt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The README's command table names every command, and only options the commands have. */
class ReadmeCommandTableTest {
    private static final Path REPO = Path.of(System.getProperty("gptjt.models")).getParent();
    private static final Pattern OPTION = Pattern.compile("--[a-z][a-z-]*");

    private static List<String> rows() throws Exception {
        List<String> lines = Files.readAllLines(REPO.resolve("README.md"));
        int start = lines.indexOf("## CLI (`bin/gptjt`)");
        assertTrue(start >= 0, "the README has its CLI section");
        List<String> rows = new ArrayList<>();
        for (String line : lines.subList(start + 1, lines.size())) {
            if (line.startsWith("| `")) {
                rows.add(line);
            } else if (!rows.isEmpty() && !line.startsWith("|")) {
                break;
            }
        }
        return rows;
    }

    @Test
    void shouldListEveryCommandWithOptionsTheCommandHas() throws Exception {
        CommandLine root = Main.commandLine(System.in, System.out, System.err);
        Set<String> listed = new TreeSet<>();
        for (String row : rows()) {
            String usage = row.substring(3, row.indexOf('`', 3)).replace("\\|", "|");
            String[] words = usage.split(" ");
            List<String> names = new ArrayList<>();
            if (words[0].equals("bench")) {
                for (String sub : words[1].split("\\|")) {
                    names.add("bench " + sub);
                }
            } else {
                names.add(words[0]);
            }
            for (String name : names) {
                listed.add(name);
                Set<String> options = new TreeSet<>();
                if (name.equals("serve")) {
                    Matcher m = OPTION.matcher(Files.readString(REPO.resolve("bin/help/serve.txt")));
                    while (m.find()) {
                        options.add(m.group());
                    }
                } else {
                    CommandLine cl = name.startsWith("bench ")
                            ? root.getSubcommands()
                                    .get("bench")
                                    .getSubcommands()
                                    .get(name.substring(6))
                            : root.getSubcommands().get(name);
                    assertTrue(cl != null, "the README lists '" + name + "', which is no command");
                    cl.getCommandSpec().options().forEach(o -> options.addAll(List.of(o.names())));
                }
                Matcher m = OPTION.matcher(usage);
                while (m.find()) {
                    assertTrue(
                            options.contains(m.group()),
                            "README: '" + name + "' has no option " + m.group() + " (has " + options + ")");
                }
            }
        }
        Set<String> commands = new TreeSet<>(Set.of("serve"));
        root.getSubcommands().forEach((n, cl) -> {
            if (n.equals("bench")) {
                cl.getSubcommands().keySet().forEach(sub -> commands.add("bench " + sub));
            } else {
                commands.add(n);
            }
        });
        assertEquals(commands, listed, "every command has a row in the README's CLI table");
    }
}
