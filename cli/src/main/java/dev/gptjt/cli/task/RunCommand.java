package dev.gptjt.cli.task;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gptjt.cli.EngineOptions;
import dev.gptjt.cli.IoCommand;
import dev.gptjt.cli.ProcessMemory;
import dev.gptjt.engine.EngineConfig;
import dev.gptjt.engine.InferenceEngine;
import dev.gptjt.tasks.TaskDefinition;
import dev.gptjt.tasks.decision.DecisionPolicy;
import dev.gptjt.tools.task.TaskRunner;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code gptjt run}: any task without Kafka. Input lines {@code {"id", "text"}}; one JSON line per input,
 * in input order, with the task's result (classify: label and every label's probability; extract:
 * entities and the raw answer; generate: text and token ids) and which path ran, so that paths can be
 * compared record by record. A classify task with a decision policy adds each record's {@code decision} (action,
 * rule, label, probability, policy version) and, at the end on stderr, how many records took each action. A refused
 * input prints {@code {"id", "error"}} and the run goes on.
 */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description = {
            "A task without Kafka, one JSON result per input.",
            "Reads {\"id\", \"text\"} lines (\"prompt\" is accepted for \"text\") and writes one result per line in input order",
            "(classify: label, scores; extract: entities, raw; generate: text, output_ids),",
            "with prompt_tokens, prefix_tokens and the path that ran; a refused input prints {\"id\", \"error\"}.",
            "A task with a decision policy adds each record's decision, and a count per action at the end (stderr)."
        })
public final class RunCommand extends IoCommand {
    @Mixin
    TaskOptions options;

    @Option(
            names = "--no-prefix-cache",
            description = "Run every prompt whole instead of from the task's cached prefix.")
    boolean noPrefixCache;

    @Option(
            names = "--no-result-cache",
            description = {
                "Run every input, repeats too, instead of answering a text seen earlier in the run with its first",
                "answer (as the service's gptjt.cache.enabled does; each line says answered_by model or cache)."
            })
    boolean noResultCache;

    @Mixin
    EngineOptions.Backend backend;

    @Override
    public Integer call() throws IOException {
        options.model(); // a missing --model is a usage mistake before any input is read
        TaskDefinition task = options.definition();
        Optional<DecisionPolicy> policy = options.policy();
        List<TaskRunner.Input> inputs = TaskRunner.read(lines());
        EngineConfig config = options.engineConfig(inputs.size()).withBackend(backend.backend());
        long start = System.nanoTime();
        try (InferenceEngine engine = InferenceEngine.open(config)) {
            ProcessMemory.read()
                    .ifPresent(m -> err.printf(
                            Locale.ROOT,
                            "gptjt: engine open in %.1f s; %s%n",
                            (System.nanoTime() - start) / 1e9,
                            m.line()));
            if (!noPrefixCache) {
                engine.cachePrefix(task.prefix());
            }
            List<ObjectNode> results = new ArrayList<>();
            TaskRunner runner = new TaskRunner(engine, task, policy.orElse(null));
            if (!noResultCache) {
                runner = runner.withResultCache();
            }
            for (CompletableFuture<ObjectNode> result : runner.submitAll(inputs)) {
                results.add(result.join());
                out.println(TaskRunner.JSON.writeValueAsString(results.get(results.size() - 1)));
            }
            if (!noResultCache) {
                err.printf(
                        Locale.ROOT,
                        "gptjt: result cache: %d of %d answered from an earlier identical text%n",
                        TaskRunner.cacheHits(results),
                        results.size());
            }
            policy.ifPresent(p -> err.println("gptjt: decisions (policy " + p.version() + "): "
                    + TaskRunner.describe(TaskRunner.actionCounts(p.actions(), results))));
            ProcessMemory.read().ifPresent(m -> err.println("gptjt: after the inputs; " + m.line()));
        }
        return 0;
    }
}
