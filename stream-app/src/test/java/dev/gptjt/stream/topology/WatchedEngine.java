package dev.gptjt.stream.topology;

import dev.gptjt.engine.ClassificationRequest;
import dev.gptjt.engine.ClassificationResult;
import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.ErrorCode;
import dev.gptjt.engine.GenerationRequest;
import dev.gptjt.engine.GenerationResult;
import dev.gptjt.engine.InferenceEngine;
import dev.gptjt.engine.Lane;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The real engine as the topology sees it, watched: every future the engine returned (by request id), the order
 * requests reached it in each lane, and the lanes the stream thread waited on. With {@link #capBulk} it also holds
 * the bulk lane to its queue cap as the engine's contract says (a bulk submission beyond it fails with OVERLOADED,
 * realtime is not affected) with a cap of the test's choosing, apart from the engine's own.
 */
final class WatchedEngine implements Inference {
    private final InferenceEngine engine;
    private final Map<String, CompletableFuture<?>> returned = new LinkedHashMap<>();
    private final Map<Lane, List<String>> accepted = new LinkedHashMap<>();
    private final List<Lane> waitedOn = new ArrayList<>();
    private int bulkCap = Integer.MAX_VALUE;

    WatchedEngine(InferenceEngine engine) {
        this.engine = engine;
        for (Lane lane : Lane.values()) {
            accepted.put(lane, new ArrayList<>());
        }
    }

    /** From now on at most {@code cap} bulk requests are outstanding in the engine. */
    synchronized WatchedEngine capBulk(int cap) {
        bulkCap = cap;
        return this;
    }

    @Override
    public synchronized CompletableFuture<GenerationResult> submit(
            GenerationRequest request, Instant deadline, Lane lane) {
        if (bulkFull(lane)) {
            return CompletableFuture.failedFuture(new EngineException(ErrorCode.OVERLOADED, "bulk lane full"));
        }
        return watched(request.id(), lane, engine.submit(request, deadline, lane));
    }

    @Override
    public synchronized CompletableFuture<ClassificationResult> classify(
            ClassificationRequest request, Instant deadline, Lane lane) {
        if (bulkFull(lane)) {
            return CompletableFuture.failedFuture(new EngineException(ErrorCode.OVERLOADED, "bulk lane full"));
        }
        return watched(request.id(), lane, engine.classify(request, deadline, lane));
    }

    @Override
    public boolean awaitCapacity(Duration timeout, Lane lane) {
        synchronized (this) {
            waitedOn.add(lane);
            if (lane == Lane.BULK) {
                return !bulkFull(lane); // never asked for by the topology: a stream thread never waits on bulk
            }
        }
        return engine.awaitCapacity(timeout, lane);
    }

    @Override
    public int maxPromptChars() {
        return engine.maxPromptChars();
    }

    /** The future the engine returned for request {@code id} (its last submission). */
    synchronized CompletableFuture<?> returned(String id) {
        CompletableFuture<?> f = returned.get(id);
        if (f == null) {
            throw new AssertionError(id + " never reached the engine; it saw " + returned.keySet());
        }
        return f;
    }

    synchronized boolean reached(String id) {
        return returned.containsKey(id);
    }

    /** The ids the engine took (did not refuse at once) in {@code lane}, in order; a resubmission counts again. */
    synchronized List<String> accepted(Lane lane) {
        return List.copyOf(accepted.get(lane));
    }

    /** The lanes the stream thread waited for room in, in order. */
    synchronized List<Lane> waitedOn() {
        return List.copyOf(waitedOn);
    }

    private boolean bulkFull(Lane lane) {
        if (lane != Lane.BULK) {
            return false;
        }
        long outstanding = accepted.get(Lane.BULK).stream()
                .map(returned::get)
                .distinct()
                .filter(f -> !f.isDone())
                .count();
        return outstanding >= bulkCap;
    }

    private <T> CompletableFuture<T> watched(String id, Lane lane, CompletableFuture<T> future) {
        returned.put(id, future);
        if (!future.isCompletedExceptionally()) {
            accepted.get(lane).add(id);
        }
        return future;
    }
}
