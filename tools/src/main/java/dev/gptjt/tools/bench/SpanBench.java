package dev.gptjt.tools.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gptjt.engine.ByteAutomaton;
import dev.gptjt.engine.GenerationParams;
import dev.gptjt.engine.GenerationResult;
import dev.gptjt.engine.InferenceEngine;
import dev.gptjt.engine.constraint.JumpForward;
import dev.gptjt.engine.constraint.TokenMask;
import dev.gptjt.engine.model.ModelConfig;
import dev.gptjt.tasks.SpanListAutomaton;
import dev.gptjt.tasks.TaskDefinition;
import dev.gptjt.tools.task.TaskRunner;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code bench task}'s figures for an extract task's spans shape: the mask time per row-step — each answer's
 * masks computed again on one core, as the Java loop computed them (a fresh automaton per answer, so its
 * first-visit work counts, and the same budget bound), and after each picked token the jump-forward that followed
 * it — the tokens jump-forward forced, and, per path, how many answers name only what their input holds.
 */
public final class SpanBench {
    private SpanBench() {}

    public static void report(
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
        JumpForward jumps = JumpForward.of(masks, engine.tokenizer());
        GenerationParams params =
                GenerationParams.DEFAULTS.withMaxNewTokens(task.maxNewTokens()).withStop(task.stop());
        List<GenerationResult> results = new ArrayList<>();
        for (TaskRunner.Input input : inputs) {
            results.add(engine.submit(spans.generation(input.id(), input.text(), params))
                    .join());
        }
        List<Long> nanos = new ArrayList<>();
        List<Long> jumpNanos = new ArrayList<>();
        for (int pass = 0; pass < 3; pass++) { // the last of three passes is timed: the JIT has compiled the walk
            nanos.clear();
            jumpNanos.clear();
            for (int k = 0; k < inputs.size(); k++) {
                replay(
                        new Replay(masks, jumps, engine, config, params),
                        spans,
                        inputs.get(k),
                        results.get(k),
                        nanos,
                        jumpNanos);
            }
        }
        int forced = results.stream().mapToInt(GenerationResult::forcedTokens).sum();
        int tokens =
                results.stream().mapToInt(GenerationResult::generatedTokens).sum();
        report(out, json, task, inputs, answers, new Timings(nanos, jumpNanos, forced, tokens));
    }

    /** What a replay runs with: the engine's masks and jumps, its tokenizer and model, the task's parameters. */
    private record Replay(
            TokenMask masks, JumpForward jumps, InferenceEngine engine, ModelConfig config, GenerationParams params) {}

    /** The replay's times (nanoseconds per mask, per jump) and the engine's forced tokens of all its tokens. */
    private record Timings(List<Long> masks, List<Long> jumps, int forced, int tokens) {}

    /**
     * Each of the answer's masks again, a fresh automaton as the engine had, timed into {@code nanos}; after each picked
     * token the jump-forward that followed it, timed into {@code jumpNanos}, its forced tokens then skipped.
     */
    private static void replay(
            Replay with,
            TaskDefinition spans,
            TaskRunner.Input input,
            GenerationResult r,
            List<Long> nanos,
            List<Long> jumpNanos) {
        Walk walk = new Walk(SpanListAutomaton.of(input.text(), spans.spanFormat()), with.engine());
        int[] ids = r.outputIds();
        int max = with.params().maxNewTokens();
        int i = 0;
        while (i < ids.length && walk.state != ByteAutomaton.DEAD) {
            long start = System.nanoTime();
            with.masks().allowedWithin(walk.automaton, walk.state, max - i); // as the engine's sampler asks
            nanos.add(System.nanoTime() - start);
            if (ids[i] == with.config().eosTokenId()) {
                return;
            }
            walk.write(ids[i++]);
            if (walk.state == ByteAutomaton.DEAD) {
                return;
            }
            long jumpStart = System.nanoTime();
            int[] forced = with.jumps().forced(walk.automaton, walk.state, max - i, walk.written, walk.length);
            jumpNanos.add(System.nanoTime() - jumpStart);
            for (int f : forced) {
                if (i >= ids.length || ids[i] != f) {
                    break; // end-of-sequence, or a stop sequence ended the answer inside the jump
                }
                walk.write(ids[i++]);
            }
        }
    }

    /** A replayed answer: the automaton's state and the bytes written. */
    private static final class Walk {
        final ByteAutomaton automaton;
        final InferenceEngine engine;
        int state;
        byte[] written = new byte[64];
        int length;

        Walk(ByteAutomaton automaton, InferenceEngine engine) {
            this.automaton = automaton;
            this.engine = engine;
            this.state = automaton.start();
        }

        void write(int token) {
            byte[] bytes = engine.tokenizer().tokenBytes(token);
            for (byte b : bytes) {
                state = automaton.next(state, b & 0xff);
            }
            if (length + bytes.length > written.length) {
                written = Arrays.copyOf(written, Math.max(written.length * 2, length + bytes.length));
            }
            System.arraycopy(bytes, 0, written, length, bytes.length);
            length += bytes.length;
        }
    }

    private static void report(
            PrintStream out,
            boolean json,
            TaskDefinition task,
            List<TaskRunner.Input> inputs,
            Map<String, List<ObjectNode>> answers,
            Timings timings)
            throws Exception {
        List<Long> nanos = timings.masks();
        long[] sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
        double mean = nanos.stream().mapToLong(Long::longValue).average().orElse(0) / 1e3;
        double jumpMean =
                timings.jumps().stream().mapToLong(Long::longValue).average().orElse(0) / 1e3;
        double p99 = sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) (sorted.length * 0.99))] / 1e3;
        ObjectNode doc = TaskRunner.JSON
                .createObjectNode()
                .put("task", task.name())
                .put("mask_steps", sorted.length)
                .put("mask_mean_us", mean)
                .put("mask_p99_us", p99)
                .put("jump_forward_tokens", timings.forced())
                .put("tokens", timings.tokens())
                .put("jump_mean_us", jumpMean);
        if (!json) {
            out.printf(
                    Locale.ROOT,
                    "spans mask: %d row-steps, mean %.1f us, p99 %.1f us (one core, a fresh automaton per answer)%n",
                    sorted.length,
                    mean,
                    p99);
            out.printf(
                    Locale.ROOT,
                    "jump-forward: %d of %d tokens forced (%.0f%%), %.1f us per jump (mean of %d)%n",
                    timings.forced(),
                    timings.tokens(),
                    100.0 * timings.forced() / Math.max(1, timings.tokens()),
                    jumpMean,
                    timings.jumps().size());
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
