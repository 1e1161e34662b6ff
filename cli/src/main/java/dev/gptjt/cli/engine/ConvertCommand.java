package dev.gptjt.cli.engine;

import dev.gptjt.cli.CommonOptions;
import dev.gptjt.cli.IoCommand;
import dev.gptjt.cli.ModelOption;
import dev.gptjt.engine.graph.Int4Quantizer;
import dev.gptjt.engine.graph.ModelConversion;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code gptjt convert}: the in-graph graphs of a model directory. */
@Command(
        name = "convert",
        mixinStandardHelpOptions = true,
        description = {
            "Writes graphs that keep decoding inside ONNX Runtime (weights referenced, never copied), or 4-bit weights.",
            "--out may be --model itself; another --out becomes a model directory linking",
            "model.onnx; --quantize needs another --out."
        })
public final class ConvertCommand extends IoCommand {
    @Mixin
    ModelOption model;

    @Mixin
    CommonOptions.OutDir outDir;

    @Option(
            names = "--greedy-in-graph",
            description = "greedy_search.onnx: ORT GreedySearch over the decoder (greedy requests on CUDA).")
    boolean greedy;

    @Option(
            names = "--classify-in-graph",
            description = "classify.onnx: prompt pass, label continuations and log-softmax in one run.")
    boolean classify;

    /** Weight formats {@code --quantize} writes. */
    enum Quantize {
        int4
    }

    @Option(
            names = "--quantize",
            paramLabel = "int4",
            description = {
                "Write --out as a model directory whose MatMul weights are 4-bit (ORT MatMulNBits, block-wise",
                "symmetric); then any in-graph graph asked for is made from it."
            })
    Quantize quantize;

    @Option(
            names = "--block-size",
            paramLabel = "N",
            defaultValue = "128",
            description = {
                "With --quantize: weights per scale along K, 16 to 256 (default: ${DEFAULT-VALUE}, as ONNX Runtime's",
                "quantizer; 32 keeps 4x the scales, reads ~18%% more bytes per MatMul and was no more accurate here)."
            })
    int blockSize;

    @Option(
            names = "--accuracy-level",
            paramLabel = "0-4",
            defaultValue = "4",
            description = {
                "With --quantize: ORT's compute precision for the activations: 4 int8 (fastest on CPU),",
                "0 fp32 (default: ${DEFAULT-VALUE})."
            })
    int accuracyLevel;

    @Option(
            names = "--zero-points",
            description = {
                "With --quantize: asymmetric blocks, each spanning its own [min, max] with a 4-bit zero point",
                "(the default is symmetric around 8)."
            })
    boolean zeroPoints;

    @Override
    public Integer call() {
        ModelConversion.Request request;
        try {
            request = new ModelConversion.Request(
                    quantize == null
                            ? Optional.empty()
                            : Optional.of(new Int4Quantizer.Options(blockSize, accuracyLevel, zeroPoints)),
                    greedy,
                    classify);
        } catch (IllegalArgumentException e) {
            throw usage(quantize == null ? e.getMessage() : "--block-size/--accuracy-level: " + e.getMessage());
        }
        ModelConversion.run(
                model.required(), outDir.dir(), request, spec.commandLine().getErr());
        return 0;
    }
}
