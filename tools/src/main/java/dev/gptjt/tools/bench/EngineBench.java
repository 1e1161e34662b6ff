package dev.gptjt.tools.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gptjt.engine.DecodingBackend;
import dev.gptjt.engine.EngineConfig;
import dev.gptjt.engine.FinishReason;
import dev.gptjt.engine.GenerationParams;
import dev.gptjt.engine.GenerationRequest;
import dev.gptjt.engine.GenerationResult;
import dev.gptjt.engine.InferenceEngine;
import dev.gptjt.tools.ToolException;
import dev.gptjt.tools.task.TaskRunner;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The engine alone at fixed batch sizes: full batches of identical-length prompts, greedy. With the
 * Java loop EOS is ignored so every request generates exactly {@code newTokens}; the in-graph backend
 * stops rows at EOS (the operator's contract), so tokens are counted as generated.
 */
public final class EngineBench {

    /** One batch size's figures. */
    public record Row(
            String backend,
            int batchSize,
            double reqPerS,
            double newTokPerS,
            double p50Ms,
            double p99Ms,
            double ortShare) {
        /** The row as JSON (Jackson; numbers as measured). */
        public ObjectNode json() {
            return TaskRunner.JSON
                    .createObjectNode()
                    .put("backend", backend)
                    .put("batch_size", batchSize)
                    .put("req_per_s", reqPerS)
                    .put("new_tok_per_s", newTokPerS)
                    .put("p50_ms", p50Ms)
                    .put("p99_ms", p99Ms)
                    .put("ort_share", ortShare);
        }
    }

    /** Generated tokens and latencies of the measured batches. */
    private record Measured(List<Double> latenciesMs, long tokens) {}

    private EngineBench() {}

    /** A prompt that encodes to exactly {@code tokens} tokens ("hello hello …": one token per word). */
    public static String prompt(InferenceEngine engine, int tokens, int variant) {
        StringBuilder s = new StringBuilder("Item " + variant + ":");
        while (engine.tokenizer().encode(s.toString()).length < tokens) {
            s.append(" hello");
        }
        if (engine.tokenizer().encode(s.toString()).length != tokens) {
            throw new ToolException("cannot build a prompt of exactly " + tokens + " tokens");
        }
        return s.toString();
    }

    public static Row run(Path model, int batchSize, int promptTokens, int newTokens, int repeat, int threads) {
        return run(model, DecodingBackend.JAVA_LOOP, batchSize, promptTokens, newTokens, repeat, threads);
    }

    public static Row run(
            Path model,
            DecodingBackend backend,
            int batchSize,
            int promptTokens,
            int newTokens,
            int repeat,
            int threads) {
        return run(model, backend, batchSize, promptTokens, newTokens, repeat, threads, null);
    }

    /** @param ortProfile when not null, ONNX Runtime's profile of the runs is written at {@code <ortProfile>_<date>.json} */
    public static Row run(
            Path model,
            DecodingBackend backend,
            int batchSize,
            int promptTokens,
            int newTokens,
            int repeat,
            int threads,
            Path ortProfile) {
        EngineConfig config = EngineConfig.builder(model)
                .maxBatchSize(batchSize)
                .maxWait(Duration.ofSeconds(1))
                .maxQueue(Math.max(batchSize, 64))
                .maxNewTokensCap(Math.max(newTokens, 1))
                // the memory plan's KV cache for what this workload spans, not the model's whole context
                .maxContext(promptTokens + Math.max(newTokens, 1))
                .intraOpThreads(threads)
                .backend(backend)
                .ortProfile(ortProfile)
                // a whole batch's prompt passes in one step: the bench times full batches, not chunked prefill
                .maxStepTokens(Math.max(EngineConfig.DEFAULT_MAX_STEP_TOKENS, batchSize * (promptTokens + 1) + 1))
                .build();
        GenerationParams params = GenerationParams.DEFAULTS
                .withMaxNewTokens(newTokens)
                .withIgnoreEos(backend != DecodingBackend.IN_GRAPH);
        try (InferenceEngine engine = InferenceEngine.open(config)) {
            List<String> prompts = new ArrayList<>();
            for (int i = 0; i < batchSize; i++) {
                prompts.add(prompt(engine, promptTokens, i % 10));
            }
            batch(engine, prompts, params); // warm-up: JIT, ORT allocations
            List<Double> latencies = new ArrayList<>();
            long tokens = 0;
            long ort0 = engine.ortNanos();
            long t0 = System.nanoTime();
            for (int r = 0; r < repeat; r++) {
                Measured m = batch(engine, prompts, params);
                latencies.addAll(m.latenciesMs());
                tokens += m.tokens();
            }
            double wall = (System.nanoTime() - t0) / 1e9;
            double ortShare = (engine.ortNanos() - ort0) / 1e9 / wall;
            Collections.sort(latencies);
            int n = batchSize * repeat;
            return new Row(
                    backend.label(),
                    batchSize,
                    n / wall,
                    tokens / wall,
                    latencies.get((latencies.size() - 1) / 2),
                    latencies.get((int) Math.ceil(0.99 * latencies.size()) - 1),
                    ortShare);
        }
    }

    /** Submits one full batch and waits for it. */
    private static Measured batch(InferenceEngine engine, List<String> prompts, GenerationParams params) {
        long start = System.nanoTime();
        List<CompletableFuture<GenerationResult>> futures = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            futures.add(engine.submit(new GenerationRequest("b" + i, prompts.get(i), params)));
        }
        List<Double> latencies = new ArrayList<>();
        long tokens = 0;
        for (CompletableFuture<GenerationResult> f : futures) {
            GenerationResult r = f.join();
            if (r.batchSize() != prompts.size()) {
                throw new ToolException("expected full batches of " + prompts.size() + ", got " + r.batchSize());
            }
            latencies.add((System.nanoTime() - start) / 1e6);
            tokens += r.outputIds().length + (r.finishReason() == FinishReason.EOS ? 1 : 0);
        }
        return new Measured(latencies, tokens);
    }
}
