package dev.gptjt.engine;

import java.util.List;

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
     * @param running rows of the batch still generating
     * @return at most the room left under the engine's batch size; empty when none may join
     */
    List<PreparedRequest> admit(int running);

    /** Hands over a finished request's result; called once per request, on the backend's thread. */
    void complete(PreparedRequest request, GenerationResult result);
}
