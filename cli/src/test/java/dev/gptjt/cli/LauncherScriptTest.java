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
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bin/gptjt} itself: help without a build, one-line mistakes, paths taken from where the user stands. */
class LauncherScriptTest {
    private static final Path REPO = Path.of(System.getProperty("gptjt.models")).getParent();

    private record Outcome(int code, String out, String err) {}

    private static Outcome launcher(Path workDir, String... args) throws Exception {
        List<String> command =
                new ArrayList<>(List.of("bash", REPO.resolve("bin/gptjt").toString()));
        command.addAll(List.of(args));
        Path err = Files.createTempFile("gptjt-err", ".txt");
        Process p = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectError(err.toFile())
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int code = p.waitFor();
        return new Outcome(code, out, Files.readString(err));
    }

    @Test
    void shouldPrintEveryCommandsHelpWithoutBuilding(@TempDir Path elsewhere) throws Exception {
        List<String> commands;
        try (var files = Files.list(REPO.resolve("bin/help"))) {
            commands = files.map(
                            f -> f.getFileName().toString().replace(".txt", "").replaceFirst("-", " "))
                    .filter(c -> !c.equals("gptjt"))
                    .sorted()
                    .toList();
        }
        assertTrue(commands.contains("serve") && commands.contains("bench transfer"), commands.toString());
        for (String command : commands) {
            for (String help : List.of("--help", "-h")) {
                List<String> argv = new ArrayList<>(List.of(command.split(" ")));
                argv.add(help);
                Outcome o = launcher(elsewhere, argv.toArray(String[]::new));
                assertEquals(0, o.code(), command + " " + help + ": " + o.err());
                assertEquals(
                        Files.readString(REPO.resolve("bin/help/" + command.replace(' ', '-') + ".txt")),
                        o.out(),
                        command);
                assertTrue(o.err().isEmpty(), "no build for help: " + o.err());
            }
        }
        for (String help : List.of("help", "--help", "-h")) {
            Outcome overview = launcher(elsewhere, help);
            assertEquals(0, overview.code(), help);
            assertEquals(Files.readString(REPO.resolve("bin/help/gptjt.txt")), overview.out(), help);
            assertTrue(overview.out().contains("  serve ") && overview.out().contains("  bench "), overview.out());
            assertTrue(overview.err().isEmpty(), "no build for help: " + overview.err());
        }
        Outcome unknown = launcher(elsewhere, "frobnicate");
        assertEquals(2, unknown.code());
        assertEquals(
                "gptjt: unknown command 'frobnicate' (try: gptjt help)",
                unknown.err().strip());
        Outcome serveTypo = launcher(elsewhere, "serve", "--modle", "x");
        assertEquals(2, serveTypo.code());
        assertEquals(
                "gptjt: serve: unknown option '--modle' (see 'gptjt serve --help')",
                serveTypo.err().strip());
    }

    @Test
    void shouldTakeRelativePathsFromTheUsersWorkingDirectory(@TempDir Path elsewhere) throws Exception {
        Files.createDirectories(elsewhere.resolve("mine"));
        Files.writeString(elsewhere.resolve("mine/inputs.jsonl"), "{\"id\": \"a\", \"text\": \"so happy today\"}\n");
        Path models = REPO.resolve("models");
        String relativeModel = elsewhere.relativize(models.resolve("demo-gptj")).toString();
        String before = System.getProperty(Cli.WORKING_DIR);
        System.setProperty(Cli.WORKING_DIR, elsewhere.toString());
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int code = Main.run(
                    new String[] {
                        "bench",
                        "task",
                        "--task",
                        "sentiment",
                        "--model",
                        relativeModel,
                        "--inputs",
                        "mine/inputs.jsonl",
                        "--repeat",
                        "1",
                        "--json"
                    },
                    new ByteArrayInputStream(new byte[0]),
                    new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
            assertTrue(
                    out.toString(StandardCharsets.UTF_8).contains("\"task\":\"sentiment\""),
                    out.toString(StandardCharsets.UTF_8));
        } finally {
            if (before == null) {
                System.clearProperty(Cli.WORKING_DIR);
            } else {
                System.setProperty(Cli.WORKING_DIR, before);
            }
        }
        assertEquals(
                elsewhere.resolve("mine/inputs.jsonl"),
                new Cli.PathConverter()
                        .convert(elsewhere.resolve("mine/inputs.jsonl").toString()));
    }
}
