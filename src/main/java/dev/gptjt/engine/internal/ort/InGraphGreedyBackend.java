package dev.gptjt.engine.internal.ort;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.gptjt.engine.EngineConfig;
import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.EngineResult;
import dev.gptjt.engine.ErrorCode;
import dev.gptjt.engine.GenerationParams;
import dev.gptjt.engine.graph.DecoderGraph;
import dev.gptjt.engine.graph.GreedySearchConverter;
import dev.gptjt.engine.graph.GreedySearchGraph;
import dev.gptjt.engine.internal.CheckedRow;
import dev.gptjt.engine.internal.GenerationBackend;
import dev.gptjt.engine.internal.PreparedRequest;
import dev.gptjt.engine.internal.RowState;
import dev.gptjt.engine.internal.StepOutput;
import dev.gptjt.engine.internal.StepWork;
import dev.gptjt.engine.internal.sampling.ShapeTables;
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
 *
 * <p>Constrained rows (an output shape) are guessed and checked ({@link CheckedRow}): the operator runs them free,
 * the host takes each row's tokens while the shape allows them, and where it refuses one the decoder's logits at
 * that position alone (no cache fetched) give the best allowed token; the row's next run starts after it. Rows
 * correct independently; the batch's later runs hold only the rows still going. The answers are the Java loop's
 * token for token; the host↔device traffic is each run's ids and one logits row per correction instead of the KV
 * cache at every token. A row that needs more than {@link EngineConfig#maxCorrections()} corrections costs more than
 * the loop would, and {@link #step} hands it back to be decoded there.
 */
public final class InGraphGreedyBackend implements GenerationBackend {
    public static final String NAME = "ort-greedy-search";

    private final GraphPath graph;
    private final OrtEnvironment env;
    private final Gpt2Tokenizer tokenizer;
    private final int padTokenId;
    private final int eosTokenId;
    private final Corrections corrections;
    private final RunControl control = new RunControl();
    private volatile long ortNanos;

    /**
     * Where constrained rows take their corrections: the decoder (the session's own, its logits at one position),
     * the shapes' tables shared with the Java loop, and the most corrections a row takes before it is handed back.
     */
    public record Corrections(DecoderSession decoder, ShapeTables shapes, int maxCorrections) {}

    private InGraphGreedyBackend(
            GraphPath graph, Gpt2Tokenizer tokenizer, int padTokenId, int eosTokenId, Corrections corrections) {
        this.graph = graph;
        this.env = graph.env();
        this.tokenizer = tokenizer;
        this.padTokenId = padTokenId;
        this.eosTokenId = eosTokenId;
        this.corrections = corrections;
        this.stepper = new DecoderStepper(corrections.decoder(), new KvCacheMerge.BufferPool());
        this.logits = new float[0][];
    }

    private final DecoderStepper stepper; // the correction passes: scheduler thread only
    /**
     * Mean tokens of the constrained answers so far (a moving average), negative before the first. The operator stops
     * a run at EOS only, so a row that ends at a stop sequence (a span list's newline) runs on to its budget: its first
     * run asks for twice the answers' usual length instead, and a longer answer takes another run.
     */
    private double answerTokens = -1; // scheduler thread only

    private float[][] logits; // one row per correcting row, reused: scheduler thread only

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
    static InGraphGreedyBackend over(
            ModelDirectory model, GraphPath graph, Gpt2Tokenizer tokenizer, Corrections corrections) {
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
            return new InGraphGreedyBackend(
                    graph, tokenizer, Integer.parseInt(pad), Integer.parseInt(eos), corrections);
        });
    }

    /**
     * True when this backend can run the request: a greedy generation that ends at EOS, free or under an output
     * shape.
     */
    public static boolean accepts(PreparedRequest request) {
        return request instanceof PreparedRequest.Generation g
                && g.params().greedy()
                && !g.params().ignoreEos();
    }

    @Override
    public String name() {
        return NAME;
    }

    /**
     * Runs every row to its end, however many corrections its shape takes.
     *
     * @throws EngineException {@link ErrorCode#INVALID_PARAMETER} when a request is not {@link #accepts accepted};
     *     {@link ErrorCode#CLOSED} when terminated; {@link ErrorCode#INFERENCE_FAILED} when ORT fails
     */
    @Override
    public List<EngineResult> run(List<PreparedRequest> requests) {
        Decoded decoded = decode(requests, Integer.MAX_VALUE);
        return decoded.results();
    }

    /**
     * Runs the started requests as {@link #run} does, but hands back each constrained row that needs more than
     * {@link EngineConfig#maxCorrections()} corrections (the Java loop then decodes it from its prompt).
     *
     * @throws EngineException as {@link #run}
     */
    @Override
    public StepOutput step(StepWork work) {
        List<PreparedRequest> batch =
                work.start().stream().map(StepWork.Start::request).toList();
        if (batch.isEmpty()) {
            return StepOutput.NOTHING;
        }
        Decoded decoded = decode(batch, corrections.maxCorrections());
        List<StepOutput.Done> done = new ArrayList<>(batch.size());
        int promptTokens = 0;
        for (int i = 0; i < batch.size(); i++) {
            if (decoded.results().get(i) != null) {
                done.add(new StepOutput.Done(batch.get(i), decoded.results().get(i)));
            }
            promptTokens += batch.get(i).promptIds().length;
        }
        return new StepOutput(done, List.of(), batch.size(), promptTokens, 0, decoded.handedBack());
    }

    /** The batch's results in its order (null for a request handed back), and the requests handed back. */
    private record Decoded(List<EngineResult> results, List<PreparedRequest> handedBack) {}

    /**
     * Runs the batch: one operator call for every row, then, while constrained rows go on, a correction pass for
     * those whose pick was refused and another call for those still going.
     */
    private Decoded decode(List<PreparedRequest> requests, int maxCorrections) {
        long start = System.nanoTime();
        for (PreparedRequest r : requests) {
            if (!accepts(r)) {
                throw new EngineException(
                        ErrorCode.INVALID_PARAMETER, "request " + r.id() + " is not a greedy generation ending at EOS");
            }
        }
        List<PreparedRequest.Generation> batch = PreparedRequest.generations(requests);
        int b = batch.size();
        RowState[] free = new RowState[b];
        CheckedRow[] checked = new CheckedRow[b];
        boolean[] handedBack = new boolean[b];
        List<Integer> going = new ArrayList<>(b);
        for (int r = 0; r < b; r++) {
            PreparedRequest.Generation g = batch.get(r).withoutPrefix(); // the graph reads the whole prompt
            if (g.constraint() == null) {
                free[r] = new RowState(g, tokenizer, eosTokenId);
            } else {
                checked[r] = new CheckedRow(g, corrections.shapes(), firstWindow());
            }
            going.add(r);
        }
        OrtSession.RunOptions run = null;
        try {
            run = control.begin();
            while (!going.isEmpty()) {
                List<int[]> contexts = new ArrayList<>(going.size());
                int maxNew = 1;
                for (int r : going) {
                    contexts.add(free[r] != null ? free[r].request().promptIds() : checked[r].context());
                    maxNew = Math.max(
                            maxNew, free[r] != null ? free[r].request().params().maxNewTokens() : checked[r].window());
                }
                int[][] runs = generate(contexts, maxNew, run);
                List<Integer> next = new ArrayList<>();
                List<Integer> correcting = new ArrayList<>();
                for (int k = 0; k < going.size(); k++) {
                    int r = going.get(k);
                    if (free[r] != null) {
                        for (int i = 0; i < runs[k].length && !free[r].finished(); i++) {
                            free[r].accept(runs[k][i]);
                        }
                        continue;
                    }
                    switch (checked[r].check(runs[k], 0, runs[k].length)) {
                        case DONE -> {}
                        case RESUME -> next.add(r);
                        case CORRECT -> {
                            if (checked[r].corrections() >= maxCorrections) {
                                handedBack[r] = true;
                            } else {
                                correcting.add(r);
                            }
                        }
                    }
                }
                if (!correcting.isEmpty()) {
                    float[][] rows = logitsFor(correcting.size());
                    List<int[]> at = new ArrayList<>(correcting.size());
                    correcting.forEach(r -> at.add(checked[r].context()));
                    stepper.lastLogits(at, rows, run);
                    for (int k = 0; k < correcting.size(); k++) {
                        int r = correcting.get(k);
                        if (checked[r].correct(rows[k]) == CheckedRow.Next.RESUME) {
                            next.add(r);
                        }
                    }
                }
                next.sort(null); // the batch's order, for the next call's rows
                going = next;
            }
        } catch (OrtException e) {
            throw control.failure(e);
        } finally {
            control.end(run);
        }
        long elapsed = System.nanoTime() - start;
        List<EngineResult> results = new ArrayList<>(b);
        List<PreparedRequest> back = new ArrayList<>();
        for (int r = 0; r < b; r++) {
            if (handedBack[r]) {
                results.add(null);
                back.add(batch.get(r));
            } else if (free[r] != null) {
                results.add(free[r].result(elapsed, b, NAME, 0, 1));
            } else {
                results.add(checked[r].state().result(elapsed, b, NAME, checked[r].corrections(), checked[r].runs()));
            }
        }
        return new Decoded(results, back);
    }

    /** The first run's length for a constrained row: twice the answers' usual length, the whole budget at first. */
    private int firstWindow() {
        return answerTokens < 0
                ? Integer.MAX_VALUE
                : Math.max(CheckedRow.MIN_WINDOW, (int) Math.ceil(2 * answerTokens));
    }

    private void answered(int tokens) {
        answerTokens = answerTokens < 0 ? tokens : 0.9 * answerTokens + 0.1 * tokens;
    }

    /** {@code n} reusable logits rows of the vocabulary's size. */
    private float[][] logitsFor(int n) {
        if (logits.length < n) {
            int vocab = corrections.decoder().config().vocabSize();
            float[][] grown = new float[Math.max(n, logits.length * 2)][];
            for (int i = 0; i < grown.length; i++) {
                grown[i] = i < logits.length ? logits[i] : new float[vocab];
            }
            logits = grown;
        }
        return logits;
    }

    /**
     * One operator call over {@code contexts}, left-padded: the tokens it generated after each, at most
     * {@code maxNew} (ending at EOS, or earlier when every row met it).
     */
    private int[][] generate(List<int[]> contexts, int maxNew, OrtSession.RunOptions run) throws OrtException {
        int b = contexts.size();
        int promptLen = 0;
        for (int[] context : contexts) {
            promptLen = Math.max(promptLen, context.length);
        }
        int[] ids = new int[b * promptLen];
        int[] mask = new int[b * promptLen];
        Arrays.fill(ids, padTokenId);
        for (int r = 0; r < b; r++) {
            int[] prompt = contexts.get(r);
            int offset = r * promptLen + promptLen - prompt.length; // left padding
            System.arraycopy(prompt, 0, ids, offset, prompt.length);
            Arrays.fill(mask, offset, offset + prompt.length, 1);
        }
        try (OnnxTensor idsTensor = OnnxTensor.createTensor(env, IntBuffer.wrap(ids), new long[] {b, promptLen});
                OnnxTensor maskTensor = OnnxTensor.createTensor(env, IntBuffer.wrap(mask), new long[] {b, promptLen});
                OnnxTensor maxLength =
                        OnnxTensor.createTensor(env, IntBuffer.wrap(new int[] {promptLen + maxNew}), new long[] {1})) {
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
                int[][] runs = new int[b][Math.max(0, width - promptLen)];
                for (int r = 0; r < b; r++) {
                    out.get(r * width + promptLen, runs[r]);
                }
                return runs;
            }
        }
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
