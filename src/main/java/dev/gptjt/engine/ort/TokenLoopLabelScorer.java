package dev.gptjt.engine.ort;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.gptjt.engine.PreparedRequest;
import dev.gptjt.engine.model.ModelConfig;
import java.util.Arrays;
import java.util.List;

/**
 * Label scoring on the Java token loop: a prompt pass (from each row's cached prefix, when it has one),
 * then one short pass per label index over the prompts' KV cache, log-softmax in Java. The in-graph
 * scorer ({@link InGraphClassifyBackend}) computes the same sums in one {@code session.run}; rows of any
 * prefixes and label sets may share a batch here.
 */
final class TokenLoopLabelScorer implements LabelScorer {
    private final DecoderStepper stepper;
    private final ModelConfig config;
    private final RunControl control;

    TokenLoopLabelScorer(DecoderStepper stepper, ModelConfig config, RunControl control) {
        this.stepper = stepper;
        this.config = config;
        this.control = control;
    }

    /**
     * Sum of each label's token log-probabilities after its prompt. One pass over the left-padded
     * prompts, then one short pass per label index that continues from the prompts' KV cache (the same
     * present tensors feed every label pass: the prompt is read once, whatever the label count).
     */
    @Override
    public double[][] score(List<PreparedRequest.Classification> batch, OrtSession.RunOptions options)
            throws OrtException {
        int b = batch.size();
        int vocab = config.vocabSize();
        DecoderStepper.Prompts prompts = DecoderStepper.Prompts.of(batch, config.eosTokenId());
        double[][] out = new double[b][];
        float[] row = new float[vocab];
        int maxLabels = 0;
        try (DecoderStepper.Output prefill = stepper.promptPass(prompts, batch, options)) {
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
                control.check();
                // Input: label j's tokens but the last, right-padded; its logits predict the tokens after the first.
                int width = 0;
                for (PreparedRequest.Classification req : batch) {
                    if (j < req.labelIds().length) {
                        width = Math.max(width, req.labelIds()[j].length - 1);
                    }
                }
                if (width == 0) {
                    continue; // every label j is a single token: already scored from the prompt pass
                }
                long[] ids = new long[b * width];
                long[] positions = new long[b * width];
                Arrays.fill(ids, config.eosTokenId());
                for (int r = 0; r < b; r++) {
                    int[][] labels = batch.get(r).labelIds();
                    int real = prompts.realLength(r);
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
                try (DecoderStepper.Output pass = stepper.run(
                        ids,
                        prompts.maskExtendedBy(width),
                        positions,
                        b,
                        width,
                        prompts.total() + width,
                        prefill,
                        all,
                        options)) {
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
}
