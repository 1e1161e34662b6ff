package dev.gptjt.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gptjt.cli.task.TaskRunner;
import dev.gptjt.engine.ByteAutomaton;
import dev.gptjt.engine.GenerationParams;
import dev.gptjt.engine.GenerationResult;
import dev.gptjt.engine.InferenceEngine;
import dev.gptjt.engine.constraint.TokenMask;
import dev.gptjt.engine.model.ModelConfig;
import dev.gptjt.tasks.SpanListAutomaton;
import dev.gptjt.tasks.TaskDefinition;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code bench task}'s figures for an extract task's spans shape: the mask time per row-step — each answer's
 * masks computed again on one core, as the Java loop computed them (a fresh automaton per answer, so its
 * first-visit work counts, and the same budget bound) — and, per path, how many answers name only what their
 * input holds.
 */
final class SpanBench {
    private SpanBench() {}

    static void report(
            PrintStream out,
            boolean json,
            InferenceEngine engine,
            TaskDefinition task,
            List<TaskRunner.Input> inputs,
            Map<String, List<ObjectNode>> answers)
            throws Exception {
        TaskDefinition spans = task.withOutput(TaskDefinition.OutputShape.SPANS);
        ModelConfig config = engine.model().config();
        TokenMask masks = TokenMask.of(engine.tokenizer(), config.vocabSize(), config.eosTokenId());
        GenerationParams params =
                GenerationParams.DEFAULTS.withMaxNewTokens(task.maxNewTokens()).withStop(task.stop());
        List<GenerationResult> results = new ArrayList<>();
        for (TaskRunner.Input input : inputs) {
            results.add(engine.submit(spans.generation(input.id(), input.text(), params))
                    .join());
        }
        List<Long> nanos = new ArrayList<>();
        for (int pass = 0; pass < 3; pass++) { // the last of three passes is timed: the JIT has compiled the walk
            nanos.clear();
            for (int k = 0; k < inputs.size(); k++) {
                replay(masks, spans, inputs.get(k), results.get(k), params, config, engine, nanos);
            }
        }
        report(out, json, task, inputs, answers, nanos);
    }

    /** Each of the answer's masks again, a fresh automaton as the engine had, timed into {@code nanos}. */
    private static void replay(
            TokenMask masks,
            TaskDefinition spans,
            TaskRunner.Input input,
            GenerationResult r,
            GenerationParams params,
            ModelConfig config,
            InferenceEngine engine,
            List<Long> nanos) {
        ByteAutomaton automaton = SpanListAutomaton.of(input.text(), spans.spanFormat());
        int state = automaton.start();
        int[] ids = r.outputIds();
        for (int i = 0; i < ids.length && state != ByteAutomaton.DEAD; i++) {
            long start = System.nanoTime();
            masks.allowedWithin(automaton, state, params.maxNewTokens() - i); // as the engine's sampler asks
            nanos.add(System.nanoTime() - start);
            if (ids[i] != config.eosTokenId()) {
                for (byte b : engine.tokenizer().tokenBytes(ids[i])) {
                    state = automaton.next(state, b & 0xff);
                }
            }
        }
    }

    private static void report(
            PrintStream out,
            boolean json,
            TaskDefinition task,
            List<TaskRunner.Input> inputs,
            Map<String, List<ObjectNode>> answers,
            List<Long> nanos)
            throws Exception {
        long[] sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
        double mean = nanos.stream().mapToLong(Long::longValue).average().orElse(0) / 1e3;
        double p99 = sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) (sorted.length * 0.99))] / 1e3;
        ObjectNode doc = TaskRunner.JSON
                .createObjectNode()
                .put("task", task.name())
                .put("mask_steps", sorted.length)
                .put("mask_mean_us", mean)
                .put("mask_p99_us", p99)
                .put("jump_forward_tokens", 0);
        if (!json) {
            out.printf(
                    Locale.ROOT,
                    "spans mask: %d row-steps, mean %.1f us, p99 %.1f us (one core, a fresh automaton per answer;"
                            + " jump-forward: not built, 0 tokens forced)%n",
                    sorted.length,
                    mean,
                    p99);
            out.printf("%-14s %22s %26s%n", "path", "answers all in input", "entities not in input");
        }
        for (Map.Entry<String, List<ObjectNode>> path : answers.entrySet()) {
            int clean = 0;
            int entities = 0;
            int absent = 0;
            for (int i = 0; i < inputs.size(); i++) {
                String text = inputs.get(i).text();
                boolean all = true;
                for (JsonNode e : path.getValue().get(i).path("entities")) {
                    entities++;
                    if (!text.contains(e.path("text").asText())) {
                        absent++;
                        all = false;
                    }
                }
                clean += all ? 1 : 0;
            }
            doc.putObject(path.getKey())
                    .put("answers_all_in_input", clean)
                    .put("entities", entities)
                    .put("entities_not_in_input", absent);
            if (!json) {
                out.printf(
                        Locale.ROOT,
                        "%-14s %15d/%-6d %15d/%-10d%n",
                        path.getKey(),
                        clean,
                        inputs.size(),
                        absent,
                        entities);
            }
        }
        if (json) {
            out.println(TaskRunner.JSON.writeValueAsString(doc));
        }
    }
}
