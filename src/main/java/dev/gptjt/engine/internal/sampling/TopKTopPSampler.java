package dev.gptjt.engine.internal.sampling;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Multinomial sampling with Hugging Face's warper order: temperature, then top-k, then top-p
 * (nucleus), then a draw from the renormalised distribution. A seeded random generator makes a
 * row's draws reproducible.
 */
final class TopKTopPSampler implements Sampler {
    private final double temperature;
    private final int topK;
    private final double topP;
    private final SplittableRandom random;

    TopKTopPSampler(double temperature, int topK, double topP, SplittableRandom random) {
        this.temperature = temperature;
        this.topK = topK;
        this.topP = topP;
        this.random = random;
    }

    @Override
    public int sample(float[] logits) {
        int n = logits.length;
        int k = topK <= 0 ? n : Math.min(topK, n);
        Integer[] order = candidates(logits, k);
        // Softmax over the candidates, at the given temperature (stable: subtract the max).
        double max = logits[order[0]];
        double[] probs = new double[order.length];
        double sum = 0;
        for (int i = 0; i < order.length; i++) {
            probs[i] = Math.exp((logits[order[i]] - max) / temperature);
            sum += probs[i];
        }
        // Nucleus: the smallest prefix (most likely first) whose mass reaches top_p; at least one token.
        int keep = order.length;
        if (topP < 1.0) {
            double cumulative = 0;
            for (int i = 0; i < order.length; i++) {
                cumulative += probs[i] / sum;
                if (cumulative >= topP) {
                    keep = i + 1;
                    break;
                }
            }
        }
        double kept = 0;
        for (int i = 0; i < keep; i++) {
            kept += probs[i];
        }
        double u = random.nextDouble() * kept;
        for (int i = 0; i < keep; i++) {
            u -= probs[i];
            if (u < 0) {
                return order[i];
            }
        }
        return order[keep - 1];
    }

    /** The k highest-logit ids, most likely first (ties: lower id first, deterministic). */
    private static Integer[] candidates(float[] logits, int k) {
        Integer[] ids = new Integer[logits.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i;
        }
        Arrays.sort(ids, (a, b) -> {
            int c = Float.compare(logits[b], logits[a]);
            return c != 0 ? c : Integer.compare(a, b);
        });
        return Arrays.copyOf(ids, k);
    }
}
