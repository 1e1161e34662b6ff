package dev.gptjt.cli.engine;

import dev.gptjt.cli.CommonOptions;
import dev.gptjt.cli.IoCommand;
import dev.gptjt.cli.ModelOption;
import dev.gptjt.engine.graph.ClassifyGraphConverter;
import dev.gptjt.engine.graph.GreedySearchConverter;
import dev.gptjt.engine.graph.Int4Quantizer;
import dev.gptjt.engine.model.ModelDirectory;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
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
        if (!greedy && !classify && quantize == null) {
            throw usage("convert needs --quantize, --greedy-in-graph, --classify-in-graph or several of them");
        }
        Path out = outDir.dir();
        ModelDirectory source = ModelDirectory.open(model.required());
        PrintWriter err = spec.commandLine().getErr();
        if (quantize != null) {
            Int4Quantizer.Options options;
            try {
                options = new Int4Quantizer.Options(blockSize, accuracyLevel, zeroPoints);
            } catch (IllegalArgumentException e) {
                throw usage("--block-size/--accuracy-level: " + e.getMessage());
            }
            long start = System.nanoTime();
            Int4Quantizer.Report r = Int4Quantizer.convert(source, out, options);
            err.printf(
                    Locale.ROOT,
                    "gptjt: wrote %s in %d ms: %d MatMuls 4-bit (%.1f MB of weights -> %.1f MB), %.1f MB of weights in all%n",
                    out.resolve(ModelDirectory.MODEL_FILE),
                    (System.nanoTime() - start) / 1_000_000,
                    r.matMuls(),
                    r.bytesBefore() / 1e6,
                    r.bytesAfter() / 1e6,
                    r.modelBytes() / 1e6);
            source = ModelDirectory.open(out);
        }
        if (greedy) {
            long start = System.nanoTime();
            Path written = GreedySearchConverter.convert(source, out);
            err.printf(
                    Locale.ROOT,
                    "gptjt: wrote %s in %d ms; serve or generate with --model %s to decode greedy requests in-graph%n",
                    written,
                    (System.nanoTime() - start) / 1_000_000,
                    written.getParent());
        }
        if (classify) {
            long start = System.nanoTime();
            Path written = ClassifyGraphConverter.convert(source, out);
            err.printf(
                    Locale.ROOT,
                    "gptjt: wrote %s in %d ms; serve with --model %s to score classifications in one pass%n",
                    written,
                    (System.nanoTime() - start) / 1_000_000,
                    written.getParent());
        }
        err.flush();
        return 0;
    }
}
