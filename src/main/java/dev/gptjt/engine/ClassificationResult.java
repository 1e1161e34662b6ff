package dev.gptjt.engine;

import dev.gptjt.engine.internal.LabelScores;
import java.util.ArrayList;
import java.util.List;

/**
 * A scored classification.
 *
 * @param id             the request's id
 * @param label          the winning label (highest score; the earliest label wins a tie)
 * @param labelIndex     its index in the request's labels
 * @param scores         every label in request order, with its probability (softmax over the scores; they sum to 1)
 * @param promptTokens   prompt length in tokens
 * @param queuedNanos    time from submission to the start of its batch
 * @param inferenceNanos wall time of its batch
 * @param batchSize      requests in its batch
 * @param backend        the backend that scored it
 * @param prefixTokens   of {@code promptTokens}, those read from a cached prefix (0: the whole prompt ran)
 */
public record ClassificationResult(
        String id,
        String label,
        int labelIndex,
        List<LabelScore> scores,
        int promptTokens,
        long queuedNanos,
        long inferenceNanos,
        int batchSize,
        String backend,
        int prefixTokens) {

    /**
     * @param label       the label text as given
     * @param logProb     sum of the label tokens' log-probabilities after the prompt
     * @param tokens      the label's token count
     * @param score       what was compared: {@code logProb}, or {@code logProb / tokens} when length-normalised
     * @param probability softmax of {@code score} over the labels
     */
    public record LabelScore(String label, double logProb, int tokens, double score, double probability) {}

    /** Turns per-label log-probabilities into a result: scores, softmax, deterministic winner. */
    static ClassificationResult of(ClassificationRequest request, LabelScores raw, int[] labelTokens) {
        List<String> labels = request.labels();
        double[] scores = new double[labels.size()];
        double max = Double.NEGATIVE_INFINITY;
        int best = 0;
        for (int i = 0; i < scores.length; i++) {
            scores[i] = request.lengthNormalized() ? raw.logProbs()[i] / labelTokens[i] : raw.logProbs()[i];
            if (scores[i] > max) {
                max = scores[i];
                best = i;
            }
        }
        double sum = 0;
        double[] exp = new double[scores.length];
        for (int i = 0; i < scores.length; i++) {
            exp[i] = Math.exp(scores[i] - max);
            sum += exp[i];
        }
        List<LabelScore> out = new ArrayList<>(labels.size());
        for (int i = 0; i < scores.length; i++) {
            out.add(new LabelScore(labels.get(i), raw.logProbs()[i], labelTokens[i], scores[i], exp[i] / sum));
        }
        return new ClassificationResult(
                request.id(),
                labels.get(best),
                best,
                List.copyOf(out),
                raw.promptTokens(),
                raw.queuedNanos(),
                raw.inferenceNanos(),
                raw.batchSize(),
                raw.backend(),
                raw.prefixTokens());
    }
}
