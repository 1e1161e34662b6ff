package dev.gptjt.engine.internal.ort;

import ai.onnxruntime.OnnxJavaType;
import dev.gptjt.engine.EngineConfig;
import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.ErrorCode;
import dev.gptjt.engine.ExecutionProvider;
import dev.gptjt.engine.graph.SharedWeightsGraph;
import dev.gptjt.engine.internal.Closing;
import dev.gptjt.engine.internal.sampling.ShapeTables;
import dev.gptjt.engine.model.ModelDirectory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A model's decoder and its in-graph backends over one ONNX Runtime session ({@link SharedWeightsGraph}):
 * the weights are loaded, prepacked and placed on the device once whichever paths are open — but for the
 * greedy graph on the CPU, which keeps a session of its own (see {@code openHere}). Each part is closed by
 * whoever runs it; the session closes with the last.
 *
 * @param greedy the in-graph greedy backend, when asked for
 * @param classify the in-graph classification backend, when asked for
 */
public record SharedBackends(
        DecoderSession decoder, Optional<InGraphGreedyBackend> greedy, Optional<InGraphClassifyBackend> classify) {
    /**
     * Input and output name prefix of the decoder in the combined session: no name of the main graph may
     * be defined again inside a subgraph (ONNX's single assignment holds across scopes), and GreedySearch's
     * decoder subgraph must use the export's names.
     */
    static final String DECODER_PREFIX = "decoder/";
    /** Input and output name prefix of the greedy graph in the combined session. */
    static final String GREEDY_PREFIX = "greedy/";
    /** Input and output name prefix of the classification graph in the combined session. */
    static final String CLASSIFY_PREFIX = "classify/";

    /**
     * Opens the decoder with the greedy and/or classification graph (at least one) in one session.
     *
     * @throws EngineException {@link ErrorCode#MODEL_INVALID} when a graph is missing (the message names the
     *     convert command), unreadable, converted from another model, or does not match {@code config.json};
     *     {@link ErrorCode#INVALID_PARAMETER} when the greedy graph of an fp16 model is asked for on the CPU;
     *     {@link ErrorCode#PROVIDER_UNAVAILABLE} when CUDA is asked for but cannot start
     */
    public static SharedBackends open(
            ModelDirectory model, EngineConfig config, ShapeTables shapes, boolean greedy, boolean classify) {
        if (!greedy && !classify) {
            throw new IllegalArgumentException("no in-graph backend asked for");
        }
        return DecoderSession.onLoaderThread(
                model.modelFile(), () -> openHere(model, config, shapes, greedy, classify));
    }

    private static SharedBackends openHere(
            ModelDirectory model, EngineConfig config, ShapeTables shapes, boolean greedy, boolean classify) {
        // On the CPU, ONNX Runtime prepacks the weights for the kernels of GreedySearch's decoder subgraph only when
        // the subgraph is not inside an If: in the combined graph those kernels ran unpacked, 20x slower (bench
        // engine), and read the mapped weights besides. There the greedy graph keeps a session of its own. On CUDA
        // kernels read the device copy in place, and one session is what keeps the weights on the device once.
        boolean greedyShared = greedy && config.provider() == ExecutionProvider.CUDA;
        List<SharedWeightsGraph.Path> paths = new ArrayList<>();
        paths.add(new SharedWeightsGraph.Path(
                DECODER_PREFIX,
                DecoderSession.decoderGraph(SharedSession.read(model.modelFile()), model, config),
                model.modelFile().toString()));
        Path greedyFile = greedy ? InGraphGreedyBackend.file(model) : null;
        if (greedyShared) {
            paths.add(
                    new SharedWeightsGraph.Path(GREEDY_PREFIX, SharedSession.read(greedyFile), greedyFile.toString()));
        }
        if (classify) {
            Path file = InGraphClassifyBackend.file(model);
            paths.add(new SharedWeightsGraph.Path(CLASSIFY_PREFIX, SharedSession.read(file), file.toString()));
        }
        List<GraphPath> graphs = paths.size() == 1
                ? List.of(SharedSession.alone(
                        paths.get(0).model().toByteArray(), paths.get(0).source(), model, config))
                : SharedSession.combined(paths, model, config);
        List<AutoCloseable> opened = new ArrayList<>();
        int next = 0;
        try {
            DecoderSession decoder = DecoderSession.over(model, graphs.get(next++));
            opened.add(decoder);
            Optional<InGraphGreedyBackend> g = Optional.empty();
            if (greedy && !greedyShared && decoder.kvType() == OnnxJavaType.FLOAT16) {
                // ORT registers GreedySearch for fp16 on CUDA only: on the CPU the graph opens and then fails at
                // its first run with "bad_function_call"
                throw new EngineException(
                        ErrorCode.INVALID_PARAMETER,
                        "greedy_search.onnx of an fp16 model runs on CUDA only (ONNX Runtime's CPU GreedySearch is "
                                + "fp32): set gptjt.model.provider=cuda, or gptjt.engine.backend=java-loop "
                                + "(the Java loop runs fp16 on the CPU)");
            }
            if (greedy) {
                GraphPath own = greedyShared
                        ? graphs.get(next++)
                        : SharedSession.alone(SharedSession.bytes(greedyFile), greedyFile.toString(), model, config);
                g = Optional.of(InGraphGreedyBackend.over(
                        model,
                        own,
                        shapes.tokenizer(),
                        new InGraphGreedyBackend.Corrections(decoder, shapes, config.maxCorrections())));
                opened.add(g.get());
            }
            Optional<InGraphClassifyBackend> c = Optional.empty();
            if (classify) {
                c = Optional.of(InGraphClassifyBackend.over(model, graphs.get(next++)));
                opened.add(c.get());
            }
            return new SharedBackends(decoder, g, c);
        } catch (RuntimeException e) {
            // the failing part closed its own path; close the parts made and the paths not yet given out
            List<AutoCloseable> parts = new ArrayList<>(opened);
            parts.addAll(graphs.subList(next, graphs.size()));
            try {
                Closing.all(parts);
            } catch (RuntimeException closing) {
                e.addSuppressed(closing); // already failing: the original error is the one to report
            }
            throw e;
        }
    }
}
