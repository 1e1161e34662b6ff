package dev.gptjt.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gptjt.tools.task.TaskRunner;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Runs the Kafka-side CLI in-process on a given stdin, as {@code bin/gptjt} would, and keeps what it printed. */
public record CliRun(int code, String out, String err) {

    /** {@code gptjt argv…} with {@code input} on stdin. */
    public static CliRun gptjt(String input, String... argv) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(
                argv,
                new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new CliRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Standard output as one JSON value per line. */
    public List<JsonNode> lines() throws Exception {
        List<JsonNode> nodes = new ArrayList<>();
        for (String line : out.strip().split("\n")) {
            nodes.add(TaskRunner.JSON.readTree(line));
        }
        return nodes;
    }
}
