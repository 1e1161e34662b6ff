package dev.gptjt.engine;

import java.util.List;

/**
 * Runs one batch of prepared requests to completion. The Java token loop over ORT is one backend;
 * an in-graph decoding backend (ORT GreedySearch) fits beside it.
 *
 * <p>Called from one scheduler thread at a time; {@link #terminate()} may be called from any thread.
 */
public interface GenerationBackend extends AutoCloseable {

    /** Short name shown in results' metadata. */
    String name();

    /**
     * Generates every request of the batch, rows ending independently.
     *
     * @return one result per request, in the batch's order (queue time not yet set)
     * @throws EngineException {@link ErrorCode#CLOSED} when terminated, {@link ErrorCode#INFERENCE_FAILED} when ORT fails
     */
    List<GenerationResult> generate(List<PreparedRequest> batch);

    /** Total wall time spent inside the runtime's model calls so far (for benchmarks); 0 if not measured. */
    default long ortNanos() {
        return 0;
    }

    /** Ends an in-flight {@link #generate} promptly, and every later one. */
    void terminate();

    /** Frees every native object. */
    @Override
    void close();
}
