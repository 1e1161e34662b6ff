package dev.gptjt.engine.internal;

import dev.gptjt.engine.EngineResult;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The scheduler's side of a running batch: a backend that decodes step by step asks it for requests
 * that may join at a step boundary (iteration-level batching), and hands each request's result over
 * as soon as that request ends rather than when the whole batch does.
 */
public interface RowFeed {

    /**
     * Requests queued now that join the running batch, oldest first; never blocks. Label-scoring
     * requests among them are scored at that step boundary (their pass does not need the running cache).
     *
     * @param running   rows of the batch still generating
     * @param stepNanos how long until the backend asks again (its last step's duration; 0 when it will
     *                  not ask again): requests are not held for company past the scheduler's max-wait
     * @return at most the room left under the engine's batch size; empty when none may join
     */
    default List<PreparedRequest> admit(int running, long stepNanos) {
        return admit(running, stepNanos, r -> true);
    }

    /**
     * As {@link #admit(int, long)}, taking only from the head of the queue while {@code joinable} holds, so
     * a request the running backend cannot take keeps its place and nothing overtakes it.
     */
    List<PreparedRequest> admit(int running, long stepNanos, Predicate<PreparedRequest> joinable);

    /** Hands over a finished request's result; called once per request, on the backend's thread. */
    void complete(PreparedRequest request, EngineResult result);

    /**
     * A feed that admits nothing and keeps the results: how a step-by-step backend answers
     * {@link GenerationBackend#run(List)}.
     */
    final class Collector implements RowFeed {
        private final Map<PreparedRequest, EngineResult> done = new IdentityHashMap<>();

        @Override
        public List<PreparedRequest> admit(int running, long stepNanos, Predicate<PreparedRequest> joinable) {
            return List.of();
        }

        @Override
        public void complete(PreparedRequest request, EngineResult result) {
            done.put(request, result);
        }

        /** The results of {@code batch}, in its order. */
        public List<EngineResult> results(List<PreparedRequest> batch) {
            return batch.stream().map(done::get).toList();
        }

        /**
         * {@code backend}'s {@link GenerationBackend#run(List)} when it decodes step by step through a feed: the
         * batch run with nothing admitted, its results in the batch's order.
         */
        public static List<EngineResult> run(GenerationBackend backend, List<PreparedRequest> batch) {
            Collector collected = new Collector();
            backend.run(batch, collected);
            return collected.results(batch);
        }
    }
}
