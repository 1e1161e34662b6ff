package dev.gptjt.engine.cli;

import dev.gptjt.engine.model.ModelDirectory;
import dev.gptjt.engine.ort.ClassifyGraphConverter;
import dev.gptjt.engine.ort.GreedySearchConverter;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gptjt convert}: the in-graph graphs of a model directory. */
@Command(
        name = "convert",
        mixinStandardHelpOptions = true,
        description = {
            "Writes graphs that keep decoding inside ONNX Runtime (weights referenced, never copied).",
            "An --out other than --model becomes a model directory linking model.onnx."
        })
final class ConvertCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--model",
            required = true,
            paramLabel = "DIR",
            converter = Cli.PathConverter.class,
            description = "The Optimum export to convert.")
    Path model;

    @Option(
            names = "--out",
            required = true,
            paramLabel = "DIR",
            converter = Cli.PathConverter.class,
            description = "Where the graphs are written (may be --model itself).")
    Path out;

    @Option(
            names = "--greedy-in-graph",
            description = "greedy_search.onnx: ORT GreedySearch over the decoder (greedy requests on CUDA).")
    boolean greedy;

    @Option(
            names = "--classify-in-graph",
            description = "classify.onnx: prompt pass, label continuations and log-softmax in one run.")
    boolean classify;

    @Override
    public Integer call() {
        if (!greedy && !classify) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "convert needs --greedy-in-graph, --classify-in-graph or both");
        }
        ModelDirectory source = ModelDirectory.open(model);
        PrintWriter err = spec.commandLine().getErr();
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
