package dev.gptjt.engine.internal;

import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.EngineResult;
import dev.gptjt.engine.ErrorCode;
import dev.gptjt.engine.GenerationResult;
import dev.gptjt.engine.PromptPrefix;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs the model for the engine's step loop, which decides everything about what runs when: a backend only
 * executes one step's {@link StepWork} and says what it produced. The Java token loop keeps rows across steps (it
 * decodes a token for each at every step and takes prompt passes in chunks); in-graph backends (ORT GreedySearch, the
 * one-pass classification graph) keep nothing: each request they are given ends within the step, and for them
 * {@link #step} runs {@link #run} on the requests started.
 *
 * <p>Called from the scheduler thread only; {@link #terminate()} may be called from any thread.
 */
public interface GenerationBackend extends AutoCloseable {

    /** Short name shown in results' metadata. */
    String name();

    /**
     * Runs every request of the batch to its end, rows ending independently: a {@link GenerationResult} for each
     * generation, a {@link LabelScores} for each classification.
     *
     * @return one result per request, in the batch's order (queue time not yet set)
     * @throws EngineException {@link ErrorCode#CLOSED} when terminated, {@link ErrorCode#INFERENCE_FAILED} when ORT fails
     */
    List<EngineResult> run(List<PreparedRequest> batch);

    /**
     * Runs one step: drops {@link StepWork#stop}'s rows, runs the prompt passes (or prompt chunks) of
     * {@link StepWork#start}, and decodes a token for every row it keeps. By default (a backend that keeps no rows)
     * {@link #run} of the started requests, each ending in this step.
     *
     * @return the requests that ended in the step, with their results, and what the step computed
     * @throws EngineException as {@link #run}; the backend then holds no rows (every row it had is lost)
     */
    default StepOutput step(StepWork work) {
        List<PreparedRequest> batch =
                work.start().stream().map(StepWork.Start::request).toList();
        if (batch.isEmpty()) {
            return StepOutput.NOTHING;
        }
        List<EngineResult> results = run(batch);
        List<StepOutput.Done> done = new ArrayList<>(batch.size());
        int promptTokens = 0;
        for (int i = 0; i < batch.size(); i++) {
            done.add(new StepOutput.Done(batch.get(i), results.get(i)));
            promptTokens += batch.get(i).promptIds().length - batch.get(i).prefixLength();
        }
        return new StepOutput(done, List.of(), batch.size(), promptTokens, 0);
    }

    /**
     * Runs the shapes a service meets early (every batch size up to {@code maxBatchSize}, rows joining a running
     * batch) once, so that the runtime's first-time costs (memory arenas, kernels chosen per shape, JIT) are not paid
     * by the first real requests. By default: nothing.
     *
     * @throws EngineException as {@link #run(List)}
     */
    default void warmUp(int maxBatchSize) {}

    /**
     * Runs {@code tokens} through the model once and keeps what a later prompt pass that starts with them needs, so
     * that requests whose {@link PreparedRequest#prefix()} is this state run only the rest of their prompt. Called on
     * the scheduler thread. By default: null, the backend keeps no prefixes (requests then run whole, which is always
     * correct).
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

    /** Ends an in-flight {@link #run} or {@link #step} promptly, and every later one. */
    void terminate();

    /** Frees every native object. */
    @Override
    void close();

    /**
     * {@code backend}'s {@link #run} for a backend that keeps rows across steps: the batch started whole in one step,
     * then decoded step by step until every row has ended; results in the batch's order.
     */
    static List<EngineResult> runBySteps(GenerationBackend backend, List<PreparedRequest> batch) {
        Map<PreparedRequest, EngineResult> done = new IdentityHashMap<>();
        StepOutput out = backend.step(StepWork.starting(batch));
        out.done().forEach(d -> done.put(d.request(), d.result()));
        while (done.size() < batch.size()) {
            out = backend.step(StepWork.DECODE);
            out.done().forEach(d -> done.put(d.request(), d.result()));
            if (out.rows() == 0 && done.size() < batch.size()) {
                throw new EngineException(ErrorCode.INFERENCE_FAILED, "the backend ended without a result");
            }
        }
        return batch.stream().map(done::get).toList();
    }
}
