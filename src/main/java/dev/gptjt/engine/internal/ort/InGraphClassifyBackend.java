package dev.gptjt.engine.internal.ort;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.EngineResult;
import dev.gptjt.engine.ErrorCode;
import dev.gptjt.engine.GenerationParams;
import dev.gptjt.engine.PromptPrefix;
import dev.gptjt.engine.graph.ClassifyGraph;
import dev.gptjt.engine.graph.ClassifyGraphConverter;
import dev.gptjt.engine.internal.GenerationBackend;
import dev.gptjt.engine.internal.LabelScores;
import dev.gptjt.engine.internal.PreparedRequest;
import dev.gptjt.engine.model.ModelConfig;
import dev.gptjt.engine.model.ModelDirectory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Label scoring in one {@code session.run} of the graph {@link ClassifyGraphConverter} writes: the
 * prompt pass, every label's continuation and the log-softmax all inside ONNX Runtime, which returns
 * only each row's label log-probabilities. The task's cached prefix goes in once per batch at batch 1
 * (the graph expands it), so on a GPU neither the prefix nor the KV cache crosses to the host per row.
 * Takes classification requests only; rows of one run share their prefix and their labels, so a batch
 * is split into such groups.
 */
public final class InGraphClassifyBackend implements GenerationBackend, LabelScorer {
    public static final String NAME = "ort-classify-graph";

    private final GraphPath graph;
    private final OrtEnvironment env;
    private final ModelConfig config;
    private final OnnxJavaType kvType;
    private final RunControl control = new RunControl();
    private volatile long ortNanos;

    private InGraphClassifyBackend(GraphPath graph, ModelConfig config, OnnxJavaType kvType) {
        this.graph = graph;
        this.env = graph.env();
        this.config = config;
        this.kvType = kvType;
    }

    /**
     * The directory's {@value ModelDirectory#CLASSIFY_FILE}.
     *
     * @throws EngineException {@link ErrorCode#MODEL_INVALID} when it is missing (the message names the command
     *     that writes it)
     */
    public static Path file(ModelDirectory model) {
        return model.classifyFile()
                .orElseThrow(() -> new EngineException(
                        ErrorCode.MODEL_INVALID,
                        model.root().resolve(ModelDirectory.CLASSIFY_FILE)
                                + ": missing; write it with 'gptjt convert --model " + model.root() + " --out "
                                + model.root() + " --classify-in-graph'"));
    }

    /**
     * The backend over {@code graph}, a session's path over {@link #file}; closes it when it was not written by
     * {@code gptjt convert --classify-in-graph} of this version and this model's layers.
     *
     * @throws EngineException {@link ErrorCode#MODEL_INVALID} when the graph is not what this version reads
     */
    static InGraphClassifyBackend over(ModelDirectory model, GraphPath graph) {
        Path file = file(model);
        return graph.closingOnFailure(file.toString(), g -> {
            String format = graph.metadata().get(ClassifyGraph.FORMAT_KEY);
            if (format == null) {
                throw new EngineException(
                        ErrorCode.MODEL_INVALID, file + ": not written by 'gptjt convert --classify-in-graph'");
            }
            if (!format.equals(ClassifyGraph.FORMAT_VERSION)) {
                throw new EngineException(
                        ErrorCode.MODEL_INVALID,
                        file + ": written by another version of 'gptjt convert --classify-in-graph' (format " + format
                                + ", this version reads " + ClassifyGraph.FORMAT_VERSION
                                + "); convert again");
            }
            var prefix = graph.inputInfo().get(ClassifyGraph.prefixKey(0));
            var extra =
                    graph.inputInfo().get(ClassifyGraph.prefixKey(model.config().nLayer()));
            if (prefix == null || extra != null) {
                throw new EngineException(
                        ErrorCode.MODEL_INVALID,
                        file + ": its layers do not match " + ModelDirectory.CONFIG_FILE + " (n_layer "
                                + model.config().nLayer() + "); convert again");
            }
            return new InGraphClassifyBackend(graph, model.config(), ((TensorInfo) prefix.getInfo()).type);
        });
    }

    /** True when this backend can run the request: a classification. */
    public static boolean accepts(PreparedRequest request) {
        return request instanceof PreparedRequest.Classification;
    }

    @Override
    public String name() {
        return NAME;
    }

    /** Rows that can share one run: the same cached prefix (or none) and the same labels. */
    private record Group(PromptPrefix prefix, List<List<Integer>> labels) {
        static Group of(PreparedRequest.Classification r) {
            return new Group(
                    r.prefix(),
                    Arrays.stream(r.labelIds())
                            .map(l -> Arrays.stream(l).boxed().toList())
                            .toList());
        }
    }

    /**
     * @throws EngineException {@link ErrorCode#INVALID_PARAMETER} when a request is not a classification;
     *     {@link ErrorCode#CLOSED} when terminated; {@link ErrorCode#INFERENCE_FAILED} when ORT fails
     */
    @Override
    public List<EngineResult> run(List<PreparedRequest> requests) {
        long start = System.nanoTime();
        for (PreparedRequest r : requests) {
            if (!accepts(r)) {
                throw new EngineException(
                        ErrorCode.INVALID_PARAMETER, "request " + r.id() + " is not a classification");
            }
        }
        List<PreparedRequest.Classification> batch = PreparedRequest.classifications(requests);
        OrtSession.RunOptions run = null;
        double[][] logProbs;
        try {
            run = control.begin();
            logProbs = score(batch, run);
        } catch (OrtException e) {
            throw control.failure(e);
        } finally {
            control.end(run);
        }
        return LabelScores.of(batch, logProbs, System.nanoTime() - start, batch.size(), NAME);
    }

    /** One run of the graph per group of rows that share their prefix and labels. */
    @Override
    public double[][] score(List<PreparedRequest.Classification> rows, OrtSession.RunOptions run) throws OrtException {
        Map<Group, List<Integer>> groups = new LinkedHashMap<>();
        for (int i = 0; i < rows.size(); i++) {
            groups.computeIfAbsent(Group.of(rows.get(i)), g -> new ArrayList<>())
                    .add(i);
        }
        double[][] logProbs = new double[rows.size()][];
        for (List<Integer> members : groups.values()) {
            double[][] scored = scoreGroup(members.stream().map(rows::get).toList(), run);
            for (int k = 0; k < members.size(); k++) {
                logProbs[members.get(k)] = scored[k];
            }
        }
        return logProbs;
    }

    /** One run over rows that share their prefix and labels. */
    private double[][] scoreGroup(List<PreparedRequest.Classification> rows, OrtSession.RunOptions run)
            throws OrtException {
        control.check();
        PreparedRequest.Classification first = rows.get(0);
        int prefix = first.prefixLength();
        int b = rows.size();
        int s = rows.stream().mapToInt(r -> r.promptIds().length - prefix).max().orElseThrow();
        long[] ids = new long[b * s];
        long[] mask = new long[b * s];
        Arrays.fill(ids, config.eosTokenId());
        for (int r = 0; r < b; r++) {
            int[] prompt = rows.get(r).promptIds();
            int pad = s - (prompt.length - prefix);
            for (int t = pad; t < s; t++) {
                ids[r * s + t] = prompt[prefix + t - pad];
                mask[r * s + t] = 1;
            }
        }
        int[][] given = first.labelIds();
        // the graph reads label 0 in the prompt pass and at least one further label in the label pass:
        // a single label is scored twice there and read once
        int[][] labels = given.length > 1 ? given : new int[][] {given[0], given[0]};
        int l = labels.length;
        long[] labelFirst = new long[l];
        for (int j = 0; j < l; j++) {
            labelFirst[j] = labels[j][0];
        }
        int n = labels[0].length - 1;
        long[] label0Ids = new long[n];
        long[] label0Next = new long[n];
        for (int k = 0; k < n; k++) {
            label0Ids[k] = labels[0][k];
            label0Next[k] = labels[0][k + 1];
        }
        // The label pass reads every further label's tokens but its last (whose prediction is never asked for): a
        // label of n tokens needs n - 1 there. Width 1 at least, all masked when every label is one token.
        int m = Math.max(
                1, Arrays.stream(labels, 1, l).mapToInt(x -> x.length).max().orElseThrow() - 1);
        long[] labelIds = new long[(l - 1) * m];
        long[] labelNext = new long[(l - 1) * m];
        float[] labelNextMask = new float[(l - 1) * m];
        Arrays.fill(labelIds, config.eosTokenId());
        for (int j = 1; j < l; j++) {
            for (int k = 0; k + 1 < labels[j].length; k++) {
                labelIds[(j - 1) * m + k] = labels[j][k];
                labelNext[(j - 1) * m + k] = labels[j][k + 1];
                labelNextMask[(j - 1) * m + k] = 1;
            }
        }
        Map<String, OnnxTensor> inputs = new HashMap<>();
        List<OnnxTensor> owned = new ArrayList<>();
        try {
            owned.add(put(inputs, ClassifyGraph.INPUT_IDS, longs(ids, b, s)));
            owned.add(put(inputs, ClassifyGraph.ATTENTION_MASK, longs(mask, b, s)));
            owned.add(put(inputs, ClassifyGraph.LABEL_FIRST, longs(labelFirst, l)));
            owned.add(put(inputs, ClassifyGraph.LABEL0_IDS, longs(label0Ids, n)));
            owned.add(put(inputs, ClassifyGraph.LABEL0_NEXT, longs(label0Next, n)));
            owned.add(put(inputs, ClassifyGraph.LABEL_IDS, longs(labelIds, l - 1, m)));
            owned.add(put(inputs, ClassifyGraph.LABEL_NEXT, longs(labelNext, l - 1, m)));
            owned.add(put(
                    inputs,
                    ClassifyGraph.LABEL_NEXT_MASK,
                    OnnxTensor.createTensor(env, FloatBuffer.wrap(labelNextMask), new long[] {l - 1, m})));
            KvCacheMerge.Merged cached = first.prefix() == null
                    ? null
                    : ((CachedPrefix) first.prefix().state()).kv();
            for (int layer = 0; layer < config.nLayer(); layer++) {
                if (cached != null) {
                    inputs.put(
                            ClassifyGraph.prefixKey(layer), cached.key(layer)); // the cache's own tensors: no copy here
                    inputs.put(ClassifyGraph.prefixValue(layer), cached.value(layer));
                } else {
                    owned.add(put(inputs, ClassifyGraph.prefixKey(layer), emptyPrefix()));
                    owned.add(put(inputs, ClassifyGraph.prefixValue(layer), emptyPrefix()));
                }
            }
            long ortStart = System.nanoTime();
            try (OrtSession.Result result = graph.run(inputs, run)) {
                ortNanos += System.nanoTime() - ortStart;
                FloatBuffer out = ((OnnxTensor) result.get(0)).getFloatBuffer();
                double[][] scores = new double[b][given.length];
                for (int r = 0; r < b; r++) {
                    for (int j = 0; j < given.length; j++) {
                        scores[r][j] = out.get(r * l + j);
                    }
                }
                return scores;
            }
        } finally {
            owned.forEach(OnnxTensor::close);
        }
    }

    private static OnnxTensor put(Map<String, OnnxTensor> inputs, String name, OnnxTensor tensor) {
        inputs.put(name, tensor);
        return tensor;
    }

    private OnnxTensor longs(long[] values, long... shape) throws OrtException {
        LongBuffer buffer = ByteBuffer.allocateDirect(values.length * Long.BYTES)
                .order(ByteOrder.nativeOrder())
                .asLongBuffer();
        buffer.put(values).rewind();
        return OnnxTensor.createTensor(env, buffer, shape);
    }

    private OnnxTensor emptyPrefix() throws OrtException {
        long[] shape = {1, config.nHead(), 0, config.headSize()};
        ByteBuffer empty = ByteBuffer.allocateDirect(0).order(ByteOrder.nativeOrder());
        return kvType == OnnxJavaType.FLOAT16
                ? OnnxTensor.createTensor(env, empty, shape, OnnxJavaType.FLOAT16)
                : OnnxTensor.createTensor(env, empty.asFloatBuffer(), shape);
    }

    /** Batches of 1, half and full size, so first-time costs per shape are paid before real requests. */
    @Override
    public void warmUp(int maxBatchSize) {
        GenerationParams params = GenerationParams.DEFAULTS.withMaxNewTokens(2);
        for (int size : new int[] {1, Math.max(1, maxBatchSize / 2), maxBatchSize}) {
            List<PreparedRequest> rows = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                rows.add(PreparedRequest.Generation.warmUp(i, params).scoring(new int[][] {{198}, {198, 198}}));
            }
            run(rows);
        }
    }

    @Override
    public long ortNanos() {
        return ortNanos;
    }

    @Override
    public void terminate() {
        control.terminate();
    }

    @Override
    public void close() {
        terminate();
        graph.close();
    }
}
