package dev.gptjt.engine.internal;

import dev.gptjt.engine.ClassificationResult;
import dev.gptjt.engine.EngineResult;
import java.util.ArrayList;
import java.util.List;

/**
 * A classification as a backend scored it: each label's summed token log-probability after the prompt,
 * in the request's label order. {@link ClassificationResult} turns it into the caller's answer.
 */
public record LabelScores(
        String id,
        int promptTokens,
        double[] logProbs,
        long queuedNanos,
        long inferenceNanos,
        int batchSize,
        String backend,
        int prefixTokens)
        implements EngineResult {

    /** Results of {@code rows} scored together: {@code logProbs[i]} is row i's; queue time not yet set. */
    public static List<EngineResult> of(
            List<PreparedRequest.Classification> rows,
            double[][] logProbs,
            long inferenceNanos,
            int batchSize,
            String backend) {
        List<EngineResult> out = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            PreparedRequest.Classification r = rows.get(i);
            out.add(new LabelScores(
                    r.id(),
                    r.promptIds().length,
                    logProbs[i],
                    0,
                    inferenceNanos,
                    batchSize,
                    backend,
                    r.prefixLength()));
        }
        return out;
    }

    @Override
    public int generatedTokens() {
        return 0;
    }

    @Override
    public LabelScores withQueuedNanos(long queued) {
        return new LabelScores(id, promptTokens, logProbs, queued, inferenceNanos, batchSize, backend, prefixTokens);
    }
}
