package dev.gptjt.cli.bench;

import dev.gptjt.cli.CommonOptions;
import dev.gptjt.cli.EngineOptions;
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
}
