package dev.gptjt.engine.internal.ort;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.gptjt.engine.internal.PreparedRequest;
import dev.gptjt.engine.model.ModelConfig;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Label scoring on the Java token loop: a prompt pass (from each row's cached prefix, when it has one)
 * that also reads the first label's tokens, then one short pass per further label over the prompts' KV
 * cache; log-softmax in Java, rows in parallel. The in-graph scorer ({@link InGraphClassifyBackend})
 * computes the same sums in one {@code session.run}; rows of any prefixes and label sets may share a batch here.
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
     * Sum of each label's token log-probabilities after its prompt. Label 0's tokens but its last are read
     * in the prompt pass itself, after the prompt (causal attention leaves the prompt's logits unchanged);
     * each further label j then takes one short pass that continues from the prompts' KV cache with label
     * 0's columns masked (the same present tensors feed every label pass: the prompt is read once).
     */
    @Override
    public double[][] score(List<PreparedRequest.Classification> batch, OrtSession.RunOptions options)
            throws OrtException {
        int b = batch.size();
        DecoderStepper.Prompts prompts = DecoderStepper.Prompts.of(batch, config.eosTokenId());
        double[][] out = new double[b][];
        int[][] firstLabel = new int[b][];
        int maxLabels = 0;
        for (int r = 0; r < b; r++) {
            int[][] labels = batch.get(r).labelIds();
            out[r] = new double[labels.length];
            maxLabels = Math.max(maxLabels, labels.length);
            firstLabel[r] = Arrays.copyOf(labels[0], labels[0].length - 1);
        }
        try (DecoderStepper.Output prefill = stepper.promptPass(prompts, batch, firstLabel, options)) {
            int appended = prefill.positions().length - 1;
            List<Term> terms = new ArrayList<>();
            for (int r = 0; r < b; r++) {
                int[][] labels = batch.get(r).labelIds();
                // every label's first token follows the prompt's last position; label 0's next ones, its own
                for (int j = 0; j < labels.length; j++) {
                    terms.add(new Term(r, 0, j, labels[j][0]));
                }
                for (int i = 0; i + 1 < labels[0].length; i++) {
                    terms.add(new Term(r, i + 1, 0, labels[0][i + 1]));
                }
            }
            addLogProbs(prefill, terms, out);
            for (int j = 1; j < maxLabels; j++) {
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
                        prompts.maskExtendedBy(appended, width),
                        positions,
                        b,
                        width,
                        prompts.total() + appended + width,
                        prefill,
                        all,
                        options)) {
                    terms.clear();
                    for (int r = 0; r < b; r++) {
                        int[][] labels = batch.get(r).labelIds();
                        for (int i = 0; j < labels.length && i + 1 < labels[j].length; i++) {
                            terms.add(new Term(r, i, j, labels[j][i + 1]));
                        }
                    }
                    addLogProbs(pass, terms, out);
                }
            }
        }
        return out;
    }

    /** {@code token}'s log-probability at row {@code row}'s {@code position}-th logits, added to label {@code label}. */
    private record Term(int row, int position, int label, int token) {}

    /**
     * Adds each term's log-probability to {@code out}. One log-sum-exp over the vocabulary per logits row
     * the terms read (labels that start alike share it), computed in parallel: the cores are otherwise idle
     * between passes. The sums are added in the terms' order, so results do not depend on scheduling.
     */
    private static void addLogProbs(DecoderStepper.Output pass, List<Term> terms, double[][] out) {
        Map<Long, Integer> slots = new LinkedHashMap<>();
        for (Term t : terms) {
            slots.putIfAbsent(((long) t.row() << 32) | t.position(), slots.size());
        }
        long[] keys = slots.keySet().stream().mapToLong(Long::longValue).toArray();
        double[] lse = new double[keys.length];
        IntStream.range(0, keys.length)
                .parallel()
                .forEach(k -> lse[k] = logSumExp(pass, (int) (keys[k] >>> 32), (int) keys[k]));
        for (Term t : terms) {
            int slot = slots.get(((long) t.row() << 32) | t.position());
            out[t.row()][t.label()] += pass.logit(t.row(), t.position(), t.token()) - lse[slot];
        }
    }

    /** Log-sum-exp of row {@code r}'s logits at its {@code i}-th position, read in place. */
    private static double logSumExp(DecoderStepper.Output pass, int r, int i) {
        FloatBuffer logits = pass.logits();
        int from = pass.offset(r, i);
        int to = from + pass.vocab();
        float max = Float.NEGATIVE_INFINITY;
        for (int k = from; k < to; k++) {
            max = Math.max(max, logits.get(k));
        }
        double sum = 0;
        for (int k = from; k < to; k++) {
            sum += Math.exp(logits.get(k) - max);
        }
        return max + Math.log(sum);
    }
}
