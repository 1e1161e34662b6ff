package dev.gptjt.engine.internal;

import dev.gptjt.engine.DecodingBackend;
import dev.gptjt.engine.EngineConfig;
import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.ExecutionProvider;
import dev.gptjt.engine.internal.ort.DecoderSession;
import dev.gptjt.engine.internal.ort.InGraphClassifyBackend;
import dev.gptjt.engine.internal.ort.InGraphGreedyBackend;
import dev.gptjt.engine.internal.ort.OrtTokenLoopBackend;
import dev.gptjt.engine.internal.ort.SharedBackends;
import dev.gptjt.engine.internal.sampling.ShapeTables;
import dev.gptjt.engine.model.ModelDirectory;
import dev.gptjt.engine.tokenizer.Gpt2Tokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * Wires the backends an engine runs on: the Java token loop always, and in front of it the in-graph
 * greedy and classification graphs when {@link EngineConfig#backend()} asks for them (or, for
 * {@link DecodingBackend#AUTO}: the classification graph always, the greedy graph on CUDA) and the model
 * directory has them.
 */
public final class BackendFactory {
    private BackendFactory() {}

    /**
     * Opens the backends for {@code model}; on failure closes what it opened.
     *
     * @throws EngineException as {@code InferenceEngine.open} documents
     */
    public static Backends open(ModelDirectory model, EngineConfig config, Gpt2Tokenizer tokenizer) {
        InGraph inGraph = inGraph(model, config);
        // one set for every backend: the Java loop and the in-graph rows mask from the same tables
        ShapeTables shapes = new ShapeTables(
                tokenizer, model.config().vocabSize(), model.config().eosTokenId(), config.jumpForward());
        if (!inGraph.greedy() && !inGraph.classify()) {
            return Backends.of(
                    new OrtTokenLoopBackend(DecoderSession.open(model, config), shapes, jumpForward(model, config)));
        }
        // one session for every path: the weights are held once (SharedWeightsGraph)
        SharedBackends shared = SharedBackends.open(model, config, shapes, inGraph.greedy(), inGraph.classify());
        List<Backends.Route> routes = new ArrayList<>();
        shared.greedy().ifPresent(g -> routes.add(new Backends.Route(g, InGraphGreedyBackend::accepts)));
        shared.classify().ifPresent(c -> routes.add(new Backends.Route(c, InGraphClassifyBackend::accepts)));
        return new Backends(routes, new OrtTokenLoopBackend(shared.decoder(), shapes, jumpForward(model, config)));
    }

    /** The Java loop's jump-forward setting: on or off, and the most cache columns its rows' gaps may take. */
    private static OrtTokenLoopBackend.JumpForwardSetting jumpForward(ModelDirectory model, EngineConfig config) {
        return new OrtTokenLoopBackend.JumpForwardSetting(
                config.jumpForward(), config.contextOn(model.config().nPositions()));
    }

    /**
     * Copies of the weights {@link #open} holds: one, and a second where the greedy graph keeps a session of its
     * own (on the CPU; see {@code SharedBackends}).
     */
    static int weightCopies(ModelDirectory model, EngineConfig config) {
        return inGraph(model, config).greedy() && config.provider() != ExecutionProvider.CUDA ? 2 : 1;
    }

    /** Which in-graph backends run in front of the Java loop. */
    private record InGraph(boolean greedy, boolean classify) {}

    private static InGraph inGraph(ModelDirectory model, EngineConfig config) {
        boolean cuda = config.provider() == ExecutionProvider.CUDA;
        boolean classify = switch (config.backend()) {
            case JAVA_LOOP -> false;
            case IN_GRAPH -> model.classifyFile().isPresent();
            // one session with the decoder (1.02x its memory on GPT-JT-6B's shape) and faster than the
            // prefix-cached loop on the CPU too (BENCHMARKS.md, issue 26)
            case AUTO -> model.classifyFile().isPresent();
        };
        boolean greedy = switch (config.backend()) {
            case JAVA_LOOP -> false;
            // fails in open, naming the convert command, when neither converted graph is there
            case IN_GRAPH -> model.greedySearchFile().isPresent() || !classify;
            case AUTO -> cuda && model.greedySearchFile().isPresent();
        };
        return new InGraph(greedy, classify);
    }
}
