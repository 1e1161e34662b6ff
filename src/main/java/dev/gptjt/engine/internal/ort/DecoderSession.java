package dev.gptjt.engine.internal.ort;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.gptjt.engine.EngineConfig;
import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.ErrorCode;
import dev.gptjt.engine.ExecutionProvider;
import dev.gptjt.engine.graph.DecoderGraph;
import dev.gptjt.engine.graph.LogitsSelection;
import dev.gptjt.engine.model.ModelConfig;
import dev.gptjt.engine.model.ModelDirectory;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * An ONNX Runtime session over an Optimum GPT-J decoder-with-past, checked against its
 * {@code config.json} when opened. Owns the session and its options; closing it frees both.
 */
public final class DecoderSession implements AutoCloseable {
    private final GraphPath graph;
    private final ModelConfig config;
    private final OnnxJavaType kvType;
    private final OnnxJavaType logitsType;
    private final boolean selectsLogits;
    private final String[] pastKeyNames;
    private final String[] pastValueNames;
    private final String[] presentKeyNames;
    private final String[] presentValueNames;

    private DecoderSession(
            GraphPath graph, ModelConfig config, OnnxJavaType kvType, OnnxJavaType logitsType, boolean selectsLogits) {
        this.selectsLogits = selectsLogits;
        this.graph = graph;
        this.config = config;
        this.kvType = kvType;
        this.logitsType = logitsType;
        int n = config.nLayer();
        pastKeyNames = new String[n];
        pastValueNames = new String[n];
        presentKeyNames = new String[n];
        presentValueNames = new String[n];
        for (int i = 0; i < n; i++) {
            pastKeyNames[i] = "past_key_values." + i + ".key";
            pastValueNames[i] = "past_key_values." + i + ".value";
            presentKeyNames[i] = "present." + i + ".key";
            presentValueNames[i] = "present." + i + ".value";
        }
    }

    /**
     * Opens {@code model.onnx} of the directory with the configured provider and checks its inputs and
     * outputs against {@code config.json}.
     *
     * @throws EngineException {@link ErrorCode#PROVIDER_UNAVAILABLE} when CUDA is asked for but this
     *     runtime or host cannot provide it; {@link ErrorCode#MODEL_INVALID} when the graph cannot be
     *     loaded or does not match the config (the message names the file and the input or field)
     */
    public static DecoderSession open(ModelDirectory model, EngineConfig engineConfig) {
        return onLoaderThread(model.modelFile(), () -> openHere(model, engineConfig));
    }

    /**
     * Runs {@code work} on a thread of its own with a generous stack and returns its result:
     * ONNX Runtime's native initialisation and session creation need more stack than the JVM's main
     * thread may have left (seen: SIGSEGV on load when the class path is a few KB long).
     */
    static <T> T onLoaderThread(Path file, Supplier<T> work) {
        AtomicReference<Object> outcome = new AtomicReference<>();
        Thread loader = new Thread(
                null,
                () -> {
                    try {
                        outcome.set(work.get());
                    } catch (RuntimeException | Error e) {
                        outcome.set(e);
                    }
                },
                "gptjt-ort-load",
                64L << 20);
        loader.start();
        try {
            loader.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EngineException(ErrorCode.MODEL_INVALID, "interrupted while loading " + file, e);
        }
        if (outcome.get() instanceof RuntimeException e) {
            throw e;
        }
        if (outcome.get() instanceof Error e) {
            throw e;
        }
        @SuppressWarnings("unchecked")
        T result = (T) outcome.get();
        return result;
    }

    /**
     * Session options of the engine's configuration: full graph optimisation, thread counts, CUDA.
     *
     * @throws EngineException {@link ErrorCode#PROVIDER_UNAVAILABLE} when CUDA is asked for but cannot start
     */
    static OrtSession.SessionOptions sessionOptions(EngineConfig engineConfig) throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        try {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            if (!engineConfig.spinWait()) {
                options.addConfigEntry("session.intra_op.allow_spinning", "0");
            }
            if (engineConfig.intraOpThreads() > 0) {
                options.setIntraOpNumThreads(engineConfig.intraOpThreads());
            }
            if (engineConfig.interOpThreads() > 0) {
                options.setInterOpNumThreads(engineConfig.interOpThreads());
            }
            if (engineConfig.ortProfile() != null) {
                options.enableProfiling(engineConfig.ortProfile().toString());
            }
            if (engineConfig.provider() == ExecutionProvider.CUDA) {
                addCuda(options, engineConfig.deviceId());
            }
            return options;
        } catch (OrtException | RuntimeException e) {
            options.close();
            throw e;
        }
    }

    private static DecoderSession openHere(ModelDirectory model, EngineConfig engineConfig) {
        byte[] graph = decoderGraph(SharedSession.read(model.modelFile()), model, engineConfig)
                .toByteArray();
        return over(model, SharedSession.alone(graph, model.modelFile().toString(), model, engineConfig));
    }

    /**
     * The decoder graph a session runs: the export with the lm_head at requested positions only
     * ({@link LogitsSelection}) where its shape allows.
     *
     * <p>A graph the rewrite does not apply to (its logits are not the lm_head's {@code MatMul [+ Add]}) runs
     * as exported, with logits at every position of a pass; then a full batch at the whole context must fit
     * one Java buffer ({@link BufferSize}), or the start is refused. A rewrite that <em>fails</em> on a graph
     * it applies to is refused at start, naming the cause: falling back in silence would run the lm_head at
     * every prompt position (most of a prefill's work) and size logits the rewrite exists to avoid.
     *
     * @throws EngineException {@link ErrorCode#MODEL_INVALID} when the rewrite fails;
     *     {@link ErrorCode#MEMORY_PLAN_EXCEEDED} when full-sequence logits of a full batch cannot be held
     */
    static OnnxMl.ModelProto decoderGraph(OnnxMl.ModelProto export, ModelDirectory model, EngineConfig engineConfig) {
        Optional<OnnxMl.ModelProto> selecting;
        try {
            selecting = LogitsSelection.rewrite(export);
        } catch (RuntimeException e) {
            throw new EngineException(
                    ErrorCode.MODEL_INVALID,
                    model.modelFile()
                            + ": the logits-selection rewrite (lm_head at the requested positions only) failed: " + e
                            + "; its logits must be MatMul [+ Add] of the last hidden states",
                    e);
        }
        if (selecting.isPresent()) {
            return selecting.get();
        }
        int rows = engineConfig.maxBatchSize();
        int context = engineConfig.contextOn(model.config().nPositions());
        long perRow = BufferSize.bytes(context, model.config().vocabSize(), Float.BYTES);
        if (BufferSize.bytes(rows, perRow) > BufferSize.MAX_BYTES) {
            long fits = BufferSize.MAX_BYTES / perRow;
            throw new EngineException(
                    ErrorCode.MEMORY_PLAN_EXCEEDED,
                    model.modelFile() + " computes logits at every position (its logits are not MatMul [+ Add] of the "
                            + "hidden states, so they cannot be selected): "
                            + BufferSize.tooLarge(
                                    "a full batch's logits",
                                    BufferSize.bytes(rows, perRow),
                                    rows,
                                    context,
                                    model.config().vocabSize(),
                                    Float.BYTES)
                            + "; " + (fits > 0 ? "lower max-batch-size to " + fits : "lower max-context"));
        }
        return export;
    }

    /**
     * The decoder over {@code graph} (its own session or a shared one's decoder path), checked against
     * the directory's config; closes the path when the check fails.
     *
     * @throws EngineException {@link ErrorCode#MODEL_INVALID} when the graph does not match the config
     */
    static DecoderSession over(ModelDirectory model, GraphPath graph) {
        return graph.closingOnFailure(model.modelFile().toString(), g -> {
            OnnxJavaType kvType = checkGraph(model, graph);
            OnnxJavaType logitsType =
                    ((TensorInfo) graph.outputInfo().get(DecoderGraph.LOGITS).getInfo()).type;
            return new DecoderSession(
                    graph,
                    model.config(),
                    kvType,
                    logitsType,
                    graph.inputInfo().containsKey(LogitsSelection.POSITIONS_INPUT));
        });
    }

    /**
     * Creates a session from a graph held in memory whose external weight files (if any) live in
     * {@code weightsDir}: ORT resolves them there through its external-initializer folder option.
     */
    static OrtSession createSession(
            OrtEnvironment env, byte[] model, Path weightsDir, OrtSession.SessionOptions options) throws OrtException {
        options.addConfigEntry("session.model_external_initializers_file_folder_path", weightsDir.toString());
        return env.createSession(model, options);
    }

    private static void addCuda(OrtSession.SessionOptions options, int deviceId) {
        if (!OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA)) {
            throw new EngineException(
                    ErrorCode.PROVIDER_UNAVAILABLE,
                    "CUDA was requested but this ONNX Runtime build has no CUDA provider (available: "
                            + OrtEnvironment.getAvailableProviders()
                            + "); build with 'mvn -Pgpu' to use onnxruntime_gpu");
        }
        try {
            options.addCUDA(deviceId);
        } catch (OrtException e) {
            throw new EngineException(
                    ErrorCode.PROVIDER_UNAVAILABLE,
                    "CUDA device " + deviceId + " cannot start: " + e.getMessage()
                            + " (onnxruntime_gpu 1.29 needs an NVIDIA driver, CUDA 12 runtime and cuDNN 9 on the library path)",
                    e);
        }
    }

    private static OnnxJavaType checkGraph(ModelDirectory model, GraphPath graph) throws OrtException {
        ModelConfig c = model.config();
        String where = model.modelFile() + " (checked against " + ModelDirectory.CONFIG_FILE + ")";
        Map<String, NodeInfo> inputs = graph.inputInfo();
        Map<String, NodeInfo> outputs = graph.outputInfo();
        for (String name :
                new String[] {DecoderGraph.INPUT_IDS, DecoderGraph.ATTENTION_MASK, DecoderGraph.POSITION_IDS}) {
            TensorInfo t = tensor(inputs, name, "input", where);
            if (t.type != OnnxJavaType.INT64) {
                throw invalid(where + ": input '" + name + "' must be int64, is " + t.type);
            }
        }
        TensorInfo logits = tensor(outputs, DecoderGraph.LOGITS, "output", where);
        long[] ls = logits.getShape();
        if (ls.length != 3 || (ls[2] > 0 && ls[2] != c.vocabSize())) {
            throw invalid(where + ": output 'logits' has shape " + Arrays.toString(ls)
                    + ", expected [batch, sequence, vocab_size=" + c.vocabSize() + "]");
        }
        OnnxJavaType kvType = null;
        for (int i = 0; i < c.nLayer(); i++) {
            for (String kind : new String[] {"key", "value"}) {
                for (String[] io : new String[][] {
                    {"past_key_values." + i + "." + kind, "input"}, {"present." + i + "." + kind, "output"}
                }) {
                    TensorInfo t = tensor(io[1].equals("input") ? inputs : outputs, io[0], io[1], where);
                    long[] s = t.getShape();
                    if (s.length != 4 || (s[1] > 0 && s[1] != c.nHead()) || (s[3] > 0 && s[3] != c.headSize())) {
                        throw invalid(where + ": " + io[1] + " '" + io[0] + "' has shape "
                                + Arrays.toString(s) + ", expected [batch, n_head=" + c.nHead()
                                + ", sequence, head_size=" + c.headSize() + "]");
                    }
                    if (kvType == null) {
                        kvType = t.type;
                    } else if (kvType != t.type) {
                        throw invalid(where + ": " + io[1] + " '" + io[0] + "' is " + t.type
                                + ", other cache tensors are " + kvType);
                    }
                }
            }
        }
        String extra = "past_key_values." + c.nLayer() + ".key";
        if (inputs.containsKey(extra)) {
            throw invalid(where + ": has input '" + extra + "' but n_layer is " + c.nLayer());
        }
        if (kvType != OnnxJavaType.FLOAT && kvType != OnnxJavaType.FLOAT16) {
            throw invalid(where + ": KV cache type " + kvType + " is not supported (float or float16)");
        }
        return kvType;
    }

    private static TensorInfo tensor(Map<String, NodeInfo> infos, String name, String kind, String where) {
        NodeInfo info = infos.get(name);
        if (info == null) {
            throw invalid(where + ": " + kind + " '" + name + "' is missing (has "
                    + infos.keySet().stream().sorted().toList() + ")");
        }
        if (!(info.getInfo() instanceof TensorInfo t)) {
            throw invalid(where + ": " + kind + " '" + name + "' is not a tensor");
        }
        return t;
    }

    private static EngineException invalid(String message) {
        return new EngineException(ErrorCode.MODEL_INVALID, message);
    }

    OrtEnvironment env() {
        return graph.env();
    }

    /** The graph a step runs. */
    GraphPath graph() {
        return graph;
    }

    public ModelConfig config() {
        return config;
    }

    OnnxJavaType kvType() {
        return kvType;
    }

    /** True when the graph computes logits only at requested positions ({@link LogitsSelection}). */
    boolean selectsLogits() {
        return selectsLogits;
    }

    OnnxJavaType logitsType() {
        return logitsType;
    }

    String pastKey(int layer) {
        return pastKeyNames[layer];
    }

    String pastValue(int layer) {
        return pastValueNames[layer];
    }

    String presentKey(int layer) {
        return presentKeyNames[layer];
    }

    String presentValue(int layer) {
        return presentValueNames[layer];
    }

    @Override
    public void close() {
        graph.close();
    }
}
