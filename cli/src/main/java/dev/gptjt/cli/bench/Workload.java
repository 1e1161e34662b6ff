package dev.gptjt.cli.bench;

import dev.gptjt.cli.CommonOptions;
import dev.gptjt.cli.EngineOptions;
import dev.gptjt.engine.EngineConfig;
import dev.gptjt.engine.InferenceEngine;
import dev.gptjt.tools.bench.EngineBench;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** What the benches run: synthetic prompts of a fixed length, each generating a fixed number of tokens. */
public final class Workload {
    @Option(
            names = "--prompt-tokens",
            paramLabel = "N",
            defaultValue = "32",
            description = "Tokens per prompt (default: ${DEFAULT-VALUE}).")
    int promptTokens;

    /** Tokens generated per prompt, EOS ignored (each bench names its default). */
    @Mixin
    CommonOptions.MaxNewTokens newTokens;

    @Mixin
    EngineOptions.Threads threads;

    int promptTokens() {
        return promptTokens;
    }

    int newTokens() {
        return newTokens.maxNewTokens();
    }

    int threads() {
        return threads.threads();
    }

    /**
     * The ten prompt texts of {@code --prompt-tokens} tokens each that the Kafka benches send round and round (their
     * lengths checked with {@code model}'s tokenizer).
     */
    List<String> prompts(Path model, EngineOptions.Batching batching) {
        List<String> prompts = new ArrayList<>();
        try (InferenceEngine tokenizerOnly = InferenceEngine.open(batching.applyTo(EngineConfig.defaults(model), 1))) {
            for (int i = 0; i < 10; i++) {
                prompts.add(EngineBench.prompt(tokenizerOnly, promptTokens, i));
            }
        }
        return prompts;
    }
}
