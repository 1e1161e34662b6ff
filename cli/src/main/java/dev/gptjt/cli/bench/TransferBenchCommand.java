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
 * the host↔device bytes per decoding step of each backend, from the model's shapes.
 */
@OptionDefaults("--batch-sizes=1,16,64")
@Command(
        name = "transfer",
        mixinStandardHelpOptions = true,
        description =
                "Host-device bytes of each backend on a GPU, computed from a model's shapes: per decoding step, and per classification batch.")
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

    @Override
    public Integer call() {
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
        return 0;
    }
}
