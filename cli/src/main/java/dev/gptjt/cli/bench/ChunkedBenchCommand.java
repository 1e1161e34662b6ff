package dev.gptjt.cli.bench;

import dev.gptjt.cli.CliException;
import dev.gptjt.cli.IoCommand;
import dev.gptjt.cli.ModelOption;
import dev.gptjt.engine.DecodingBackend;
import dev.gptjt.engine.EngineConfig;
import dev.gptjt.tools.bench.ChunkedPrefillBench;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code gptjt bench chunked}: a long prompt joining decoding rows, its pass in chunks and whole. */
@Command(
        name = "chunked",
        mixinStandardHelpOptions = true,
        description = {
            "A long prompt joining rows that decode: the rows' inter-token gap while its pass runs, in chunks under",
            "--max-step-tokens and whole, and whether its tokens agree."
        })
public final class ChunkedBenchCommand extends IoCommand {
    @Mixin
    ModelOption model;

    @Option(
            names = "--long-prompt-tokens",
            paramLabel = "N",
            defaultValue = "1500",
            description = "The long prompt's tokens (default: ${DEFAULT-VALUE}).")
    int promptTokens;

    @Option(
            names = "--decoding",
            paramLabel = "N",
            defaultValue = "15",
            description = "Rows decoding when it joins (default: ${DEFAULT-VALUE}).")
    int decoding;

    @Option(
            names = "--max-step-tokens",
            paramLabel = "N",
            defaultValue = "512",
            description = "The chunked run's step budget (default: ${DEFAULT-VALUE}).")
    int maxStepTokens;

    @Override
    public Integer call() {
        if (promptTokens < 1) {
            throw new CliException("--long-prompt-tokens must be at least 1");
        }
        if (decoding < 0) {
            throw new CliException("--decoding must not be negative");
        }
        if (maxStepTokens <= decoding + 1) {
            throw new CliException("--max-step-tokens must exceed --decoding + 1 (the batch's rows)");
        }
        EngineConfig base = EngineConfig.defaults(model.required()).toBuilder()
                .maxBatchSize(decoding + 1)
                .maxQueue(Math.max(EngineConfig.DEFAULT_MAX_QUEUE, decoding + 1))
                .backend(DecodingBackend.JAVA_LOOP)
                .build();
        ChunkedPrefillBench.Result r = ChunkedPrefillBench.run(base, promptTokens, decoding, maxStepTokens);
        out.println("run       max-step-tokens  decode-only p50  gap p50  gap p99  gap max  prompt steps");
        for (ChunkedPrefillBench.Run run : new ChunkedPrefillBench.Run[] {r.chunked(), r.whole()}) {
            out.printf(
                    Locale.ROOT,
                    "%-9s %15d  %12.1f ms %6.1f ms %6.1f ms %6.1f ms  %12d%n",
                    run == r.chunked() ? "chunked" : "whole",
                    run.maxStepTokens(),
                    run.decodeOnlyP50Ms(),
                    run.gapP50Ms(),
                    run.gapP99Ms(),
                    run.gapMaxMs(),
                    run.stepsWithPrompt());
        }
        out.printf(
                Locale.ROOT,
                "long prompt's tokens %s; chunked gap p99 / chunked step p50 = %.2f%n",
                r.sameTokens() ? "equal" : "DIFFER",
                r.chunked().gapP99Ms() / Math.max(1e-9, r.chunked().gapP50Ms()));
        return r.sameTokens() ? 0 : 1;
    }
}
