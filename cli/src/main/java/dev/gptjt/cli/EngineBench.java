package dev.gptjt.cli;

import dev.gptjt.engine.EngineConfig;
import dev.gptjt.engine.GenerationParams;
import dev.gptjt.engine.GenerationRequest;
import dev.gptjt.engine.GenerationResult;
import dev.gptjt.engine.InferenceEngine;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The engine alone at fixed batch sizes: full batches of identical-length prompts, greedy, EOS
 * ignored so every request generates exactly {@code newTokens}.
 */
final class EngineBench {

    /** One batch size's figures. */
    record Row(int batchSize, double reqPerS, double newTokPerS, double p50Ms, double p99Ms, double ortShare) {
        String json() {
            return String.format(java.util.Locale.ROOT,
                    "{\"batch_size\": %d, \"req_per_s\": %.3f, \"new_tok_per_s\": %.1f, \"p50_ms\": %.1f, \"p99_ms\": %.1f, \"ort_share\": %.4f}",
                    batchSize, reqPerS, newTokPerS, p50Ms, p99Ms, ortShare);
        }
    }

    private EngineBench() {}

    /** A prompt that encodes to exactly {@code tokens} tokens ("hello hello …": one token per word). */
    static String prompt(InferenceEngine engine, int tokens, int variant) {
        StringBuilder s = new StringBuilder("Item " + variant + ":");
        while (engine.tokenizer().encode(s.toString()).length < tokens) {
            s.append(" hello");
        }
        if (engine.tokenizer().encode(s.toString()).length != tokens) {
            throw new CliException("cannot build a prompt of exactly " + tokens + " tokens");
        }
        return s.toString();
    }

    static Row run(Path model, int batchSize, int promptTokens, int newTokens, int repeat, int threads) {
        EngineConfig config = EngineConfig.defaults(model)
                .withBatching(batchSize, Duration.ofSeconds(1), Math.max(batchSize, 64))
                .withMaxNewTokensCap(Math.max(newTokens, 1))
                .withThreads(threads, 0);
        GenerationParams params = GenerationParams.DEFAULTS.withMaxNewTokens(newTokens).withIgnoreEos(true);
        try (InferenceEngine engine = InferenceEngine.open(config)) {
            List<String> prompts = new ArrayList<>();
            for (int i = 0; i < batchSize; i++) {
                prompts.add(prompt(engine, promptTokens, i % 10));
            }
            batch(engine, prompts, params); // warm-up: JIT, ORT allocations
            List<Double> latencies = new ArrayList<>();
            long ort0 = engine.ortNanos();
            long t0 = System.nanoTime();
            for (int r = 0; r < repeat; r++) {
                latencies.addAll(batch(engine, prompts, params));
            }
            double wall = (System.nanoTime() - t0) / 1e9;
            double ortShare = (engine.ortNanos() - ort0) / 1e9 / wall;
            Collections.sort(latencies);
            int n = batchSize * repeat;
            return new Row(batchSize, n / wall, (double) n * newTokens / wall,
                    latencies.get((latencies.size() - 1) / 2), latencies.get((int) Math.ceil(0.99 * latencies.size()) - 1), ortShare);
        }
    }

    /** Submits one full batch and waits for it; returns each request's latency in ms. */
    private static List<Double> batch(InferenceEngine engine, List<String> prompts, GenerationParams params) {
        long start = System.nanoTime();
        List<CompletableFuture<GenerationResult>> futures = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            futures.add(engine.submit(new GenerationRequest("b" + i, prompts.get(i), params)));
        }
        List<Double> latencies = new ArrayList<>();
        for (CompletableFuture<GenerationResult> f : futures) {
            GenerationResult r = f.join();
            if (r.batchSize() != prompts.size()) {
                throw new CliException("expected full batches of " + prompts.size() + ", got " + r.batchSize());
            }
            latencies.add((System.nanoTime() - start) / 1e6);
        }
        return latencies;
    }
}
