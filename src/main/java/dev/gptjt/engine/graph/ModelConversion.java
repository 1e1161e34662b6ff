package dev.gptjt.engine.graph;

import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.model.ModelDirectory;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Writes what a model directory can be converted to: 4-bit weights first (then every graph asked for is made from
 * them), the in-graph greedy graph and the one-pass classify graph, weights referenced and never copied. The one job
 * behind {@code gptjt convert} and the service image's {@link ConvertMain}, so both write the same files and say the
 * same lines.
 */
public final class ModelConversion {
    private ModelConversion() {}

    /**
     * What to write.
     *
     * @param int4            4-bit weights with these options, written as {@code out}'s model directory
     * @param greedyInGraph   {@code greedy_search.onnx}
     * @param classifyInGraph {@code classify.onnx}
     */
    public record Request(Optional<Int4Quantizer.Options> int4, boolean greedyInGraph, boolean classifyInGraph) {
        /** @throws IllegalArgumentException when nothing is asked for */
        public Request {
            if (int4.isEmpty() && !greedyInGraph && !classifyInGraph) {
                throw new IllegalArgumentException(
                        "convert needs --quantize, --greedy-in-graph, --classify-in-graph or several of them");
            }
        }
    }

    /**
     * Converts {@code model} into {@code out} as {@code request} asks, telling each file written on {@code log}.
     *
     * @throws EngineException when the model directory is not a valid export, or a file cannot be read or written
     */
    public static void run(Path model, Path out, Request request, PrintWriter log) {
        // 4-bit weights first: every graph asked for is then made from them
        ModelDirectory source = ModelDirectory.open(model);
        if (request.int4().isPresent()) {
            long start = System.nanoTime();
            Int4Quantizer.Report r =
                    Int4Quantizer.convert(source, out, request.int4().get());
            log.printf(
                    Locale.ROOT,
                    "gptjt: wrote %s in %d ms: %d MatMuls 4-bit (%.1f MB of weights -> %.1f MB), %.1f MB of weights in all%n",
                    out.resolve(ModelDirectory.MODEL_FILE),
                    millisSince(start),
                    r.matMuls(),
                    r.bytesBefore() / 1e6,
                    r.bytesAfter() / 1e6,
                    r.modelBytes() / 1e6);
            source = ModelDirectory.open(out);
        }
        if (request.greedyInGraph()) {
            ModelDirectory from = source;
            timed(
                    () -> GreedySearchConverter.convert(from, out),
                    "serve or generate with --model %s to decode greedy requests in-graph",
                    log);
        }
        if (request.classifyInGraph()) {
            ModelDirectory from = source;
            timed(
                    () -> ClassifyGraphConverter.convert(from, out),
                    "serve with --model %s to score classifications in one pass",
                    log);
        }
        log.flush();
    }

    /** Writes a graph and tells where, how long it took and how to use it ({@code use} names its directory). */
    private static void timed(Supplier<Path> write, String use, PrintWriter log) {
        long start = System.nanoTime();
        Path written = write.get();
        log.printf(
                Locale.ROOT,
                "gptjt: wrote %s in %d ms; " + use + "%n",
                written,
                millisSince(start),
                written.getParent());
    }

    private static long millisSince(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }
}
