package dev.gptjt.engine.internal.ort;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.EngineResult;
import dev.gptjt.engine.ErrorCode;
import dev.gptjt.engine.GenerationParams;
import dev.gptjt.engine.graph.DecoderGraph;
import dev.gptjt.engine.graph.GreedySearchConverter;
import dev.gptjt.engine.graph.GreedySearchGraph;
import dev.gptjt.engine.internal.GenerationBackend;
import dev.gptjt.engine.internal.PreparedRequest;
import dev.gptjt.engine.internal.RowState;
import dev.gptjt.engine.model.ModelDirectory;
import dev.gptjt.engine.tokenizer.Gpt2Tokenizer;
import java.nio.IntBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Greedy decoding inside ONNX Runtime: one {@code session.run} of the model written by
 * {@link GreedySearchConverter} generates every token of a batch, so the KV cache stays on the
 * device and only token ids cross to the host. Runs greedy generations that stop at EOS; sampling,
 * {@code ignore_eos} and label scoring stay with {@link OrtTokenLoopBackend}. Stop sequences and
 * each request's own {@code max_new_tokens} are applied to the returned ids afterwards, so a batch
 * may run past a row's stop (the operator stops only when every row has met EOS or the length).
 */
public final class InGraphGreedyBackend implements GenerationBackend {
    public static final String NAME = "ort-greedy-search";

    private final GraphPath graph;
    private final OrtEnvironment env;
    private final Gpt2Tokenizer tokenizer;
    private final int padTokenId;
    private final int eosTokenId;
    private final RunControl control = new RunControl();
    private volatile long ortNanos;

    private InGraphGreedyBackend(GraphPath graph, Gpt2Tokenizer tokenizer, int padTokenId, int eosTokenId) {
        this.graph = graph;
        this.env = graph.env();
        this.tokenizer = tokenizer;
        this.padTokenId = padTokenId;
        this.eosTokenId = eosTokenId;
    }

    /**
     * The directory's {@value ModelDirectory#GREEDY_SEARCH_FILE}.
     *
     * @throws EngineException {@link ErrorCode#MODEL_INVALID} when it is missing (the message names the command
     *     that writes it)
     */
    public static Path file(ModelDirectory model) {
        return model.greedySearchFile()
                .orElseThrow(() -> new EngineException(
                        ErrorCode.MODEL_INVALID,
                        model.root().resolve(ModelDirectory.GREEDY_SEARCH_FILE)
                                + ": missing; write it with 'gptjt convert --model " + model.root() + " --out "
                                + model.root() + " --greedy-in-graph'"));
    }

    /**
     * The backend over {@code graph}, a session's path over {@link #file}; closes it when it is not what the
     * converter writes.
     *
     * @throws EngineException {@link ErrorCode#MODEL_INVALID} when the graph is not a converted model or
     *     disagrees with {@code config.json}
     */
    static InGraphGreedyBackend over(ModelDirectory model, GraphPath graph, Gpt2Tokenizer tokenizer) {
        Path file = file(model);
        return graph.closingOnFailure(file.toString(), g -> {
            Map<String, String> meta = graph.metadata();
            String pad = meta.get(GreedySearchGraph.PAD_TOKEN_KEY);
            String eos = meta.get(GreedySearchGraph.EOS_TOKEN_KEY);
            if (pad == null || eos == null || !graph.inputInfo().containsKey(GreedySearchGraph.MAX_LENGTH)) {
                throw new EngineException(
                        ErrorCode.MODEL_INVALID,
                        file + ": not written by 'gptjt convert --greedy-in-graph' (no "
                                + GreedySearchGraph.PAD_TOKEN_KEY + " metadata or max_length input)");
            }
            if (Integer.parseInt(eos) != model.config().eosTokenId()) {
                throw new EngineException(
                        ErrorCode.MODEL_INVALID,
                        file + ": converted with eos_token_id " + eos + " but " + ModelDirectory.CONFIG_FILE + " says "
                                + model.config().eosTokenId() + "; convert again");
            }
            return new InGraphGreedyBackend(graph, tokenizer, Integer.parseInt(pad), Integer.parseInt(eos));
        });
    }

    /** True when this backend can run the request: a greedy generation that ends at EOS. */
    public static boolean accepts(PreparedRequest request) {
        return request instanceof PreparedRequest.Generation g
                && g.params().greedy()
                && !g.params().ignoreEos()
                && g.constraint() == null; // GreedySearch takes no per-step mask
    }

    @Override
    public String name() {
        return NAME;
    }

    /**
     * @throws EngineException {@link ErrorCode#INVALID_PARAMETER} when a request is not {@link #accepts accepted};
     *     {@link ErrorCode#CLOSED} when terminated; {@link ErrorCode#INFERENCE_FAILED} when ORT fails
     */
    @Override
    public List<EngineResult> run(List<PreparedRequest> requests) {
        long start = System.nanoTime();
        for (PreparedRequest r : requests) {
            if (!accepts(r)) {
                throw new EngineException(
                        ErrorCode.INVALID_PARAMETER, "request " + r.id() + " is not a greedy generation ending at EOS");
            }
        }
        List<PreparedRequest.Generation> batch = PreparedRequest.generations(requests);
        int b = batch.size();
        int promptLen = 0;
        int maxNew = 0;
        for (PreparedRequest.Generation r : batch) {
            promptLen = Math.max(promptLen, r.promptIds().length);
            maxNew = Math.max(maxNew, r.params().maxNewTokens());
        }
        int[] ids = new int[b * promptLen];
        int[] mask = new int[b * promptLen];
        Arrays.fill(ids, padTokenId);
        for (int r = 0; r < b; r++) {
            int[] prompt = batch.get(r).promptIds();
            int offset = r * promptLen + promptLen - prompt.length; // left padding
            System.arraycopy(prompt, 0, ids, offset, prompt.length);
            Arrays.fill(mask, offset, offset + prompt.length, 1);
        }
        RowState[] rows = new RowState[b];
        OrtSession.RunOptions run = null;
        try {
            run = control.begin();
            try (OnnxTensor idsTensor = OnnxTensor.createTensor(env, IntBuffer.wrap(ids), new long[] {b, promptLen});
                    OnnxTensor maskTensor =
                            OnnxTensor.createTensor(env, IntBuffer.wrap(mask), new long[] {b, promptLen});
                    OnnxTensor maxLength = OnnxTensor.createTensor(
                            env, IntBuffer.wrap(new int[] {promptLen + maxNew}), new long[] {1})) {
                long ortStart = System.nanoTime();
                try (OrtSession.Result result = graph.run(
                        Map.of(
                                GreedySearchGraph.INPUT_IDS,
                                idsTensor,
                                DecoderGraph.ATTENTION_MASK,
                                maskTensor,
                                GreedySearchGraph.MAX_LENGTH,
                                maxLength),
                        run)) {
                    ortNanos += System.nanoTime() - ortStart;
                    OnnxTensor sequences = (OnnxTensor) result.get(0);
                    int width = (int) sequences.getInfo().getShape()[1];
                    IntBuffer out = sequences.getIntBuffer();
                    for (int r = 0; r < b; r++) {
                        rows[r] = new RowState(
                                batch.get(r).withoutPrefix(),
                                tokenizer,
                                eosTokenId); // the graph reads the whole prompt
                        for (int c = promptLen; c < width && !rows[r].finished(); c++) {
                            rows[r].accept(out.get(r * width + c));
                        }
                    }
                }
            }
        } catch (OrtException e) {
            throw control.failure(e);
        } finally {
            control.end(run);
        }
        long elapsed = System.nanoTime() - start;
        List<EngineResult> results = new ArrayList<>(b);
        for (RowState row : rows) {
            results.add(row.result(elapsed, b, NAME));
        }
        return results;
    }

    /** One operator call at batch 1, half and full size, a few tokens each (CUDA picks kernels per shape on first use). */
    @Override
    public void warmUp(int maxBatchSize) {
        GenerationParams params = GenerationParams.DEFAULTS.withMaxNewTokens(4);
        for (int size : new TreeSet<>(List.of(1, Math.max(1, maxBatchSize / 2), maxBatchSize))) {
            List<PreparedRequest> batch = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                batch.add(PreparedRequest.Generation.warmUp(i, params));
            }
            run(batch);
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
