package dev.gptjt.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gptjt.engine.DecodingBackend;
import dev.gptjt.engine.EngineConfig;
import dev.gptjt.engine.InferenceEngine;
import dev.gptjt.engine.cli.Args;
import dev.gptjt.engine.task.TaskDefinition;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * {@code gptjt run}: any task without Kafka. Input lines {@code {"id", "text"}}; one JSON line per input,
 * in input order, with the task's result (classify: label and every label's probability; extract:
 * entities and the raw answer; generate: text and token ids) and which path ran, so that paths can be
 * compared record by record. A refused input prints {@code {"id", "error"}} and the run goes on.
 */
final class RunCommand {
    static final List<String> OPTIONS = List.of("task", "model", "config", "no-prefix-cache", "backend", "batch-size");

    private RunCommand() {}

    static int run(Args args, BufferedReader in, PrintStream out) throws IOException {
        args.allow(OPTIONS);
        TaskDefinition task = TaskRunner.task(args);
        DecodingBackend backend;
        try {
            backend = DecodingBackend.parse(args.get("backend", "auto"));
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException("--backend must be auto, java-loop or in-graph");
        }
        int batch = args.intValue("batch-size", 16);
        List<TaskRunner.Input> inputs = TaskRunner.read(in);
        EngineConfig config = EngineConfig.defaults(Path.of(args.required("model")))
                .withBatching(batch, Duration.ofMillis(10), Math.max(batch, inputs.size())).withBackend(backend);
        try (InferenceEngine engine = InferenceEngine.open(config)) {
            if (!args.flag("no-prefix-cache")) {
                engine.cachePrefix(task.prefix());
            }
            for (CompletableFuture<ObjectNode> result : new TaskRunner(engine, task).submitAll(inputs)) {
                out.println(TaskRunner.JSON.writeValueAsString(result.join()));
            }
        }
        return 0;
    }
}
