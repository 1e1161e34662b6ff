package dev.gptjt.engine.ort;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.ErrorCode;
import dev.gptjt.engine.FinishReason;
import dev.gptjt.engine.GenerationBackend;
import dev.gptjt.engine.GenerationResult;
import dev.gptjt.engine.PreparedRequest;
import dev.gptjt.engine.RowState;
import dev.gptjt.engine.model.ModelConfig;
import dev.gptjt.engine.sampling.Sampler;
import dev.gptjt.engine.tokenizer.Gpt2Tokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * The Java token loop: one {@code OrtSession.run} per generated token over a left-padded batch,
 * feeding each step's {@code present.*} outputs back as the next step's {@code past_key_values.*}
 * inputs. The present tensors are passed as they are (no copy on the Java side); the previous step's
 * outputs are closed only after the next run has consumed them.
 *
 * <p>Left padding follows Hugging Face: pads carry attention mask 0 and
 * {@code position_ids = max(cumsum(mask) - 1, 0)}; each new step appends mask 1 and advances every
 * row's position by one. Done so, a row's tokens equal its unbatched generation.
 */
public final class OrtTokenLoopBackend implements GenerationBackend {
    private final DecoderSession decoder;
    private final Gpt2Tokenizer tokenizer;
    private final ModelConfig config;
    private final DecoderStepper stepper;
    private volatile boolean terminated;
    private OrtSession.RunOptions current; // guarded by this: set while a batch runs, for terminate()

    public OrtTokenLoopBackend(DecoderSession decoder, Gpt2Tokenizer tokenizer) {
        this.decoder = decoder;
        this.tokenizer = tokenizer;
        this.config = decoder.config();
        this.stepper = new DecoderStepper(decoder);
    }

    @Override
    public String name() {
        return "ort-java-loop";
    }

    @Override
    public List<GenerationResult> generate(List<PreparedRequest> batch) {
        long start = System.nanoTime();
        List<PreparedRequest> generating = batch.stream().filter(r -> !r.scoring()).toList();
        List<PreparedRequest> scoring = batch.stream().filter(PreparedRequest::scoring).toList();
        RowState[] rows = new RowState[generating.size()];
        double[][] labelLogProbs = null;
        OrtSession.RunOptions options = null;
        try {
            options = new OrtSession.RunOptions();
            synchronized (this) {
                if (terminated) {
                    throw closed();
                }
                current = options;
            }
            if (!generating.isEmpty()) {
                rows = generateRows(generating, options);
            }
            if (!scoring.isEmpty()) {
                labelLogProbs = scoreRows(scoring, options);
            }
        } catch (OrtException e) {
            if (terminated) {
                throw closed();
            }
            throw new EngineException(ErrorCode.INFERENCE_FAILED, "ONNX Runtime failed: " + e.getMessage(), e);
        } finally {
            synchronized (this) {
                current = null;
            }
            if (options != null) {
                options.close();
            }
        }
        long elapsed = System.nanoTime() - start;
        List<GenerationResult> results = new ArrayList<>(batch.size());
        int g = 0;
        int s = 0;
        for (PreparedRequest request : batch) {
            if (request.scoring()) {
                results.add(new GenerationResult(request.id(), request.promptIds().length, new int[0], "", FinishReason.LENGTH,
                        0, elapsed, batch.size(), name(), labelLogProbs[s++]));
            } else {
                results.add(rows[g++].result(elapsed, batch.size(), name()));
            }
        }
        return results;
    }

    private RowState[] generateRows(List<PreparedRequest> batch, OrtSession.RunOptions options) throws OrtException {
        int b = batch.size();
        RowState[] rows = new RowState[b];
        Sampler[] samplers = new Sampler[b];
        int promptLen = 0;
        int steps = 0;
        for (int r = 0; r < b; r++) {
            PreparedRequest req = batch.get(r);
            rows[r] = new RowState(req, tokenizer, config.eosTokenId());
            samplers[r] = Sampler.of(req.params());
            promptLen = Math.max(promptLen, req.promptIds().length);
            steps = Math.max(steps, req.params().maxNewTokens());
        }
        loop(batch, rows, samplers, promptLen, steps, options);
        return rows;
    }

    /**
     * Sum of each label's token log-probabilities after its prompt. One pass over the left-padded
     * prompts, then one short pass per label index that continues from the prompts' KV cache (the same
     * present tensors feed every label pass: the prompt is read once, whatever the label count).
     */
    private double[][] scoreRows(List<PreparedRequest> batch, OrtSession.RunOptions options) throws OrtException {
        int b = batch.size();
        int vocab = config.vocabSize();
        DecoderStepper.Prompts prompts = DecoderStepper.Prompts.leftPadded(batch.stream().map(PreparedRequest::promptIds).toList(), config.eosTokenId());
        int len = prompts.length();
        double[][] out = new double[b][];
        float[] row = new float[vocab];
        int maxLabels = 0;
        try (DecoderStepper.Output prefill = stepper.run(prompts.ids(), prompts.mask(), prompts.positions(), b, len, len, null,
                new int[] {len - 1}, options)) {
            for (int r = 0; r < b; r++) {
                int[][] labels = batch.get(r).labelIds();
                out[r] = new double[labels.length];
                maxLabels = Math.max(maxLabels, labels.length);
                prefill.row(r, 0, row);
                double lse = logSumExp(row);
                for (int j = 0; j < labels.length; j++) {
                    out[r][j] = row[labels[j][0]] - lse; // the first label token follows the last prompt position
                }
            }
            for (int j = 0; j < maxLabels; j++) {
                if (terminated) {
                    throw closed();
                }
                // Input: label j's tokens but the last, right-padded; its logits predict the tokens after the first.
                int width = 0;
                for (PreparedRequest req : batch) {
                    if (j < req.labelIds().length) {
                        width = Math.max(width, req.labelIds()[j].length - 1);
                    }
                }
                if (width == 0) {
                    continue; // every label j is a single token: already scored from the prompt pass
                }
                long[] ids = new long[b * width];
                long[] positions = new long[b * width];
                java.util.Arrays.fill(ids, config.eosTokenId());
                for (int r = 0; r < b; r++) {
                    int[][] labels = batch.get(r).labelIds();
                    int real = len - prompts.padding()[r];
                    for (int i = 0; i < width; i++) {
                        positions[r * width + i] = real + i;
                        if (j < labels.length && i < labels[j].length - 1) {
                            ids[r * width + i] = labels[j][i];
                        }
                    }
                }
                int[] all = new int[width];
                for (int i = 0; i < width; i++) {
                    all[i] = i;
                }
                try (DecoderStepper.Output pass = stepper.run(ids, prompts.maskExtendedBy(width), positions, b, width, len + width, prefill,
                        all, options)) {
                    for (int r = 0; r < b; r++) {
                        int[][] labels = batch.get(r).labelIds();
                        if (j >= labels.length) {
                            continue;
                        }
                        for (int i = 0; i + 1 < labels[j].length; i++) {
                            pass.row(r, i, row);
                            out[r][j] += row[labels[j][i + 1]] - logSumExp(row);
                        }
                    }
                }
            }
        }
        return out;
    }

    private static double logSumExp(float[] logits) {
        float max = Float.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (float v : logits) {
            sum += Math.exp(v - max);
        }
        return max + Math.log(sum);
    }

    private void loop(List<PreparedRequest> batch, RowState[] rows, Sampler[] samplers, int promptLen, int steps,
                      OrtSession.RunOptions options) throws OrtException {
        int b = rows.length;
        int vocab = config.vocabSize();
        DecoderStepper.Prompts prompts = DecoderStepper.Prompts.leftPadded(batch.stream().map(PreparedRequest::promptIds).toList(), config.eosTokenId());
        long[] ids = prompts.ids();
        long[] positions = prompts.positions();
        float[] rowLogits = new float[vocab];
        DecoderStepper.Output previous = null;
        try {
            for (int step = 0; step < steps; step++) {
                if (terminated) {
                    throw closed();
                }
                int seqLen = step == 0 ? promptLen : 1;
                int total = promptLen + step;
                DecoderStepper.Output output = stepper.run(ids, prompts.maskExtendedBy(step), positions, b, seqLen, total, previous,
                        new int[] {seqLen - 1}, options);
                if (previous != null) {
                    previous.close(); // its KV cache was consumed by this step
                }
                previous = output;
                boolean allDone = true;
                ids = new long[b];
                positions = new long[b];
                for (int r = 0; r < b; r++) {
                    RowState row = rows[r];
                    if (!row.finished()) {
                        output.row(r, 0, rowLogits);
                        int token = samplers[r].sample(rowLogits);
                        row.accept(token);
                        ids[r] = token;
                    } else {
                        ids[r] = config.eosTokenId();
                    }
                    allDone &= row.finished();
                    positions[r] = promptLen - prompts.padding()[r] + step;
                }
                if (allDone) {
                    break;
                }
            }
        } finally {
            if (previous != null) {
                previous.close();
            }
        }
    }

    private static EngineException closed() {
        return new EngineException(ErrorCode.CLOSED, "engine closed while the batch was running");
    }

    @Override
    public long ortNanos() {
        return stepper.ortNanos();
    }

    @Override
    public void terminate() {
        synchronized (this) {
            terminated = true;
            if (current != null) {
                try {
                    current.setTerminate(true);
                } catch (OrtException ignored) {
                    // the flag alone stops the loop before its next step
                }
            }
        }
    }

    @Override
    public void close() {
        terminate();
        decoder.close();
    }
}
