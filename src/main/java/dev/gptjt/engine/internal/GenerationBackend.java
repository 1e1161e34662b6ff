package dev.gptjt.engine.internal;

import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.EngineResult;
import dev.gptjt.engine.ErrorCode;
import dev.gptjt.engine.GenerationResult;
import dev.gptjt.engine.PromptPrefix;
import java.util.List;

/**
 * Runs one batch of prepared requests — generations and classifications — to completion. The Java token
 * loop over ORT runs both; in-graph backends (ORT GreedySearch, the one-pass classification graph) run
 * what they accept beside it.
 *
 * <p>Called from one scheduler thread at a time; {@link #terminate()} may be called from any thread.
 */
public interface GenerationBackend extends AutoCloseable {

    /** Short name shown in results' metadata. */
    String name();

    /**
     * Runs every request of the batch, rows ending independently: a {@link GenerationResult} for each
     * generation, a {@link LabelScores} for each classification.
     *
     * @return one result per request, in the batch's order (queue time not yet set)
     * @throws EngineException {@link ErrorCode#CLOSED} when terminated, {@link ErrorCode#INFERENCE_FAILED} when ORT fails
     */
    List<EngineResult> run(List<PreparedRequest> batch);

    /**
     * Runs the batch, completing each request through {@code feed} as it ends; a backend that decodes
     * step by step also admits the feed's requests into the running batch. By default: the whole batch
     * through {@link #run(List)}, nothing admitted.
     *
     * @throws EngineException as {@link #run(List)}; requests not yet completed then fail with it
     */
    default void run(List<PreparedRequest> batch, RowFeed feed) {
        List<EngineResult> results = run(batch);
        for (int i = 0; i < batch.size(); i++) {
            feed.complete(batch.get(i), results.get(i));
        }
    }

    /**
     * Runs the shapes a service meets early (every batch size up to {@code maxBatchSize}, rows joining a
     * running batch) once, so that the runtime's first-time costs (memory arenas, kernels chosen per
     * shape, JIT) are not paid by the first real requests. By default: nothing.
     *
     * @throws EngineException as {@link #run(List)}
     */
    default void warmUp(int maxBatchSize) {}

    /**
     * Runs {@code tokens} through the model once and keeps what a later prompt pass that starts with
     * them needs, so that requests whose {@link PreparedRequest#prefix()} is this state run only the
     * rest of their prompt. Called on the scheduler thread. By default: null, the backend keeps no
     * prefixes (requests then run whole, which is always correct).
     *
     * @throws EngineException {@link ErrorCode#INFERENCE_FAILED} when ORT fails
     */
    default PromptPrefix.CacheState cachePrefix(int[] tokens) {
        return null;
    }

    /** Total wall time spent inside the runtime's model calls so far (for benchmarks); 0 if not measured. */
    default long ortNanos() {
        return 0;
    }

    /** Ends an in-flight {@link #run} promptly, and every later one. */
    void terminate();

    /** Frees every native object. */
    @Override
    void close();
}
