package dev.gptjt.cli.bench;

import dev.gptjt.cli.Cli;
import dev.gptjt.cli.CommonOptions;
import dev.gptjt.cli.IoCommand;
import dev.gptjt.cli.OptionDefaults;
import dev.gptjt.engine.model.ModelConfig;
import dev.gptjt.tools.bench.TransferEstimate;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code gptjt bench transfer --config config.json [--context 200] [--batch-sizes 1,16,64] [--value-bytes 2]}:
 * the host↔device bytes per decoding step of each backend, per classification batch, and per constrained answer
 * (the Java loop against in-graph guess-and-check, from the measured corrections and runs an answer), from the
 * model's shapes.
 */
@OptionDefaults("--batch-sizes=1,16,64")
@Command(
        name = "transfer",
        mixinStandardHelpOptions = true,
        description =
                "Host-device bytes of each backend on a GPU, computed from a model's shapes: per decoding step, per classification batch, and per constrained answer.")
public final class TransferBenchCommand extends IoCommand {
    @Option(
            names = "--model-config",
            required = true,
            paramLabel = "config.json",
            converter = Cli.PathConverter.class,
            description = "A Hugging Face config.json (docs/gpt-jt-6b-v1.config.json: GPT-JT-6B).")
    Path file;

    @Option(
            names = "--context",
            paramLabel = "N",
            defaultValue = "200",
            description = "Tokens already cached at the step (default: ${DEFAULT-VALUE}).")
    int context;

    @Mixin
    CommonOptions.BatchSizes batchSizesOption;

    @Option(
            names = "--value-bytes",
            paramLabel = "N",
            defaultValue = "2",
            description = "Bytes per cache value: 2 fp16, 4 fp32 (default: ${DEFAULT-VALUE}).")
    int valueBytes;

    @Option(
            names = "--prefix-tokens",
            paramLabel = "N",
            defaultValue = "81",
            description = "Classification: a task's cached prefix (default: ${DEFAULT-VALUE}, tweet-hate's).")
    int prefixTokens;

    @Option(
            names = "--input-tokens",
            paramLabel = "N",
            defaultValue = "29",
            description = "Classification: tokens after the prefix (default: ${DEFAULT-VALUE}).")
    int inputTokens;

    @Option(
            names = "--label-tokens",
            paramLabel = "N,N",
            split = ",",
            defaultValue = "2,3",
            description = "Classification: each label's tokens (default: ${DEFAULT-VALUE}).")
    List<Integer> labelTokens;

    @Option(
            names = "--answer-tokens",
            paramLabel = "N",
            defaultValue = "8",
            description = "Constrained answer: its tokens, the EOS not counted (default: ${DEFAULT-VALUE}, the demo"
                    + " model's entity answers: 325 tokens over 40).")
    int answerTokens;

    @Option(
            names = "--forced-tokens",
            paramLabel = "N",
            defaultValue = "1",
            description = "Constrained answer: tokens of it the shape forces (jump-forward), fewer than --answer-tokens"
                    + " (default: ${DEFAULT-VALUE}, the demo model's entity answers: 42 over 40).")
    int forcedTokens;

    @Option(
            names = "--corrections",
            paramLabel = "X",
            defaultValue = "4.8",
            description = "Constrained answer in-graph: refused picks corrected from a logits row, a mean (default:"
                    + " ${DEFAULT-VALUE}, the demo model's entity answers: 192 over 40).")
    double corrections;

    @Option(
            names = "--runs",
            paramLabel = "X",
            defaultValue = "5.4",
            description = "Constrained answer in-graph: operator calls, a mean, at least 1 (default: ${DEFAULT-VALUE},"
                    + " the demo model's entity answers: 216 over 40).")
    double runs;

    @Option(
            names = "--answer-prompt-tokens",
            paramLabel = "N",
            defaultValue = "72",
            description = "Constrained answer: its prompt's tokens (default: ${DEFAULT-VALUE}, the entities task's"
                    + " prompt on the demo sentences).")
    int answerPromptTokens;

    @Option(
            names = "--logits-bytes",
            paramLabel = "N",
            description = "Constrained answer: bytes per logit a correction reads back (default: --value-bytes).")
    Integer logitsBytes;

    @Override
    public Integer call() {
        checkAnswerOptions();
        List<Integer> batchSizes = batchSizesOption.sizes();
        TransferEstimate t = new TransferEstimate(ModelConfig.read(file), valueBytes);
        out.printf(
                Locale.ROOT,
                "%s: KV cache %d bytes per token per sequence; one decoding step at %d tokens of context:%n",
                file.getFileName(),
                t.kvBytesPerToken(),
                context);
        out.printf("%8s %26s %22s%n", "batch", "java-loop bytes/step", "in-graph bytes/step");
        for (int b : batchSizes) {
            out.printf(
                    Locale.ROOT,
                    "%8d %16d (%5.2f GB) %22d%n",
                    b,
                    t.javaLoopBytesPerStep(b, context),
                    t.javaLoopBytesPerStep(b, context) / 1e9,
                    t.inGraphBytesPerStep(b));
        }
        // classification: tweet-hate's shape by default (81 cached prefix tokens, ~29 more, labels of 2 and 3
        // tokens)
        int prefix = prefixTokens;
        int prompt = prefix + inputTokens;
        int[] labels = labelTokens.stream().mapToInt(Integer::intValue).toArray();
        out.printf(
                Locale.ROOT,
                "one classification batch: %d prompt tokens (%d of them a task's cached prefix), labels of %s tokens:%n",
                prompt,
                prefix,
                Arrays.toString(labels));
        out.printf(
                "%8s %26s %26s %22s%n",
                "batch", "java-loop, whole prompt", "java-loop, prefix cache", "in-graph classify");
        for (int b : batchSizes) {
            long whole = t.javaLoopClassifyBytes(b, prompt, 0, labels);
            long cached = t.javaLoopClassifyBytes(b, prompt, prefix, labels);
            long inGraph = t.inGraphClassifyBytes(b, prompt, prefix, labels);
            out.printf(
                    Locale.ROOT,
                    "%8d %16d (%5.2f GB) %16d (%5.2f GB) %12d (%5.3f GB)%n",
                    b,
                    whole,
                    whole / 1e9,
                    cached,
                    cached / 1e9,
                    inGraph,
                    inGraph / 1e9);
        }
        printConstrainedAnswer(t, batchSizes);
        return 0;
    }

    /** The third table: one constrained answer's bytes on the Java loop and in-graph, and the second's share. */
    private void printConstrainedAnswer(TransferEstimate t, List<Integer> batchSizes) {
        int logits = logitsBytes != null ? logitsBytes : valueBytes;
        out.printf(
                Locale.ROOT,
                "one constrained answer: %d prompt tokens, %d answer tokens (%d forced); in-graph %.2f runs and %.2f"
                        + " corrections (%d-byte logits):%n",
                answerPromptTokens,
                answerTokens,
                forcedTokens,
                runs,
                corrections,
                logits);
        out.printf(
                "%8s %28s %28s %16s%n", "batch", "java-loop bytes/answer", "in-graph bytes/answer", "in-graph share");
        for (int b : batchSizes) {
            double javaLoop = t.javaLoopConstrainedAnswerBytes(b, answerPromptTokens, answerTokens, forcedTokens);
            double inGraph =
                    t.inGraphConstrainedAnswerBytes(b, answerPromptTokens, answerTokens, runs, corrections, logits);
            out.printf(
                    Locale.ROOT,
                    "%8d %16.0f (%6.3f GB) %16.0f (%6.3f MB) %15.3g%%%n",
                    b,
                    javaLoop,
                    javaLoop / 1e9,
                    inGraph,
                    inGraph / 1e6,
                    100 * inGraph / javaLoop);
        }
    }

    /** The answer's options, each refused in one line naming it (TransferEstimate's rules). */
    private void checkAnswerOptions() {
        for (int b : batchSizesOption.sizes()) {
            if (b < 1) {
                throw usage("--batch-sizes: each at least 1; got " + b);
            }
        }
        if (answerPromptTokens < 1) {
            throw usage("--answer-prompt-tokens: at least 1; got " + answerPromptTokens);
        }
        if (answerTokens < 0) {
            throw usage("--answer-tokens: 0 or more; got " + answerTokens);
        }
        if (forcedTokens < 0 || (forcedTokens >= answerTokens && answerTokens > 0)) {
            throw usage("--forced-tokens: 0 or more and fewer than --answer-tokens (" + answerTokens
                    + "; a forced token rides in a pick's step); got " + forcedTokens);
        }
        if (!(corrections >= 0)) {
            throw usage("--corrections: 0 or more; got " + corrections);
        }
        if (!(runs >= 1)) {
            throw usage("--runs: at least 1 (the first operator call); got " + runs);
        }
        if (logitsBytes != null && logitsBytes < 1) {
            throw usage("--logits-bytes: at least 1; got " + logitsBytes);
        }
    }
}
