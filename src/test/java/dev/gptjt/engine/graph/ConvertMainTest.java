package dev.gptjt.engine.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptjt.engine.Fixtures;
import dev.gptjt.engine.model.ModelDirectory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConvertMainTest {
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return ConvertMain.run(args, new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String told() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void shouldWriteTheGraphsTheInitContainerAsksFor(@TempDir Path out) {
        int code = run(
                "--model",
                Fixtures.tinyGptj().toString(),
                "--out",
                out.toString(),
                "--greedy-in-graph",
                "--classify-in-graph");

        assertEquals(0, code, told());
        assertTrue(Files.isRegularFile(out.resolve(ModelDirectory.GREEDY_SEARCH_FILE)), told());
        assertTrue(Files.isRegularFile(out.resolve(ModelDirectory.CLASSIFY_FILE)), told());
        assertTrue(told().contains("gptjt: wrote " + out.resolve(ModelDirectory.GREEDY_SEARCH_FILE)), told());
    }

    @Test
    void shouldRefuseAMissingExportInOneLineWithExitTwo(@TempDir Path dir) {
        int code = run("--model", dir.resolve("absent").toString(), "--out", dir.toString(), "--greedy-in-graph");

        assertEquals(2, code);
        assertEquals(1, told().lines().count(), told());
        assertTrue(told().startsWith("gptjt convert: "), told());
    }

    @Test
    void shouldNameTheOptionOfAUsageMistake(@TempDir Path dir) {
        assertEquals(2, run("--model", dir.toString(), "--out", dir.toString()));
        assertTrue(told().contains("convert needs --quantize, --greedy-in-graph, --classify-in-graph"), told());

        err.reset();
        assertEquals(2, run("--model", dir.toString(), "--out"));
        assertTrue(told().contains("--out needs a value"), told());

        err.reset();
        assertEquals(2, run("--model", dir.toString(), "--out", dir.toString(), "--quantize", "int8"));
        assertTrue(told().contains("--quantize: expected int4"), told());

        err.reset();
        assertEquals(
                2, run("--model", dir.toString(), "--out", dir.toString(), "--quantize", "int4", "--block-size", "7"));
        assertTrue(told().contains("--block-size/--accuracy-level: block size must be a power of two"), told());

        err.reset();
        assertEquals(2, run("--greedy-in-graph", "--bogus"));
        assertTrue(told().contains("unknown option '--bogus'"), told());
    }
}
