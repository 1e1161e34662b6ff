package dev.gptjt.engine.internal.ort;

import ai.onnx.proto.OnnxMl;
import dev.gptjt.engine.EngineConfig;
import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.ErrorCode;
import dev.gptjt.engine.graph.SharedWeightsGraph;
import dev.gptjt.engine.model.ModelDirectory;
import dev.gptjt.engine.tokenizer.Gpt2Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A model's decoder and its in-graph backends over one ONNX Runtime session ({@link SharedWeightsGraph}):
 * the weights are loaded, prepacked and placed on the device once whichever paths are open. Each part is
 * closed by whoever runs it; the session closes with the last.
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
     *     {@link ErrorCode#PROVIDER_UNAVAILABLE} when CUDA is asked for but cannot start
     */
    public static SharedBackends open(
            ModelDirectory model, EngineConfig config, Gpt2Tokenizer tokenizer, boolean greedy, boolean classify) {
        if (!greedy && !classify) {
            throw new IllegalArgumentException("no in-graph backend asked for");
        }
        return DecoderSession.onLoaderThread(
                model.modelFile(), () -> openHere(model, config, tokenizer, greedy, classify));
    }

    private static SharedBackends openHere(
            ModelDirectory model, EngineConfig config, Gpt2Tokenizer tokenizer, boolean greedy, boolean classify) {
        List<SharedWeightsGraph.Path> paths = new ArrayList<>();
        paths.add(new SharedWeightsGraph.Path(
                DECODER_PREFIX,
                DecoderSession.decoderGraph(parse(model.modelFile())),
                model.modelFile().toString()));
        if (greedy) {
            Path file = InGraphGreedyBackend.file(model);
            paths.add(new SharedWeightsGraph.Path(GREEDY_PREFIX, parse(file), file.toString()));
        }
        if (classify) {
            Path file = InGraphClassifyBackend.file(model);
            paths.add(new SharedWeightsGraph.Path(CLASSIFY_PREFIX, parse(file), file.toString()));
        }
        List<GraphPath> graphs = SharedSession.combined(paths, model, config);
        List<AutoCloseable> opened = new ArrayList<>();
        int next = 0;
        try {
            DecoderSession decoder = DecoderSession.over(model, graphs.get(next++));
            opened.add(decoder);
            Optional<InGraphGreedyBackend> g = Optional.empty();
            if (greedy) {
                g = Optional.of(InGraphGreedyBackend.over(model, graphs.get(next++), tokenizer));
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
            for (AutoCloseable part : opened) {
                try {
                    part.close();
                } catch (Exception ignored) {
                    // already failing
                }
            }
            graphs.subList(next, graphs.size()).forEach(GraphPath::close);
            throw e;
        }
    }

    private static OnnxMl.ModelProto parse(Path file) {
        try {
            return OnnxMl.ModelProto.parseFrom(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new EngineException(ErrorCode.MODEL_INVALID, file + ": cannot read: " + e.getMessage(), e);
        }
    }
}
