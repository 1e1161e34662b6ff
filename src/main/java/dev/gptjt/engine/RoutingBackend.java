package dev.gptjt.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * Splits each batch between an in-graph decoding backend and the general one: requests the in-graph
 * backend accepts run there, grouped by {@link #bucket max_new_tokens
 * bucket} (one operator call generates up to the group's largest limit, so a group of similar limits
 * wastes few steps); every other request runs on the general backend. Each result names the backend
 * that produced it.
 */
public final class RoutingBackend implements GenerationBackend {
    private final GenerationBackend inGraph;
    private final Predicate<PreparedRequest> accepts;
    private final GenerationBackend general;

    /**
     * @param inGraph the specialised backend
     * @param accepts which requests it can run
     * @param general runs everything else
     */
    public RoutingBackend(GenerationBackend inGraph, Predicate<PreparedRequest> accepts, GenerationBackend general) {
        this.inGraph = inGraph;
        this.accepts = accepts;
        this.general = general;
    }

    /**
     * The group a {@code max_new_tokens} falls in: the next power of two, so that 1–2, 3–4, 5–8, 9–16…
     * share an operator call.
     */
    static int bucket(int maxNewTokens) {
        return maxNewTokens <= 1 ? 1 : Integer.highestOneBit(maxNewTokens - 1) << 1;
    }

    @Override
    public String name() {
        return inGraph.name() + "+" + general.name();
    }

    /** The general backend keeps prefixes; the in-graph one runs its requests' whole prompts. */
    @Override
    public PrefixState cachePrefix(int[] tokens) {
        return general.cachePrefix(tokens);
    }

    @Override
    public List<GenerationResult> generate(List<PreparedRequest> batch) {
        RowFeed.Collector collected = new RowFeed.Collector();
        generate(batch, collected);
        return collected.results(batch);
    }

    /**
     * The in-graph groups, each completed through {@code feed} as it returns; then the rest on the general
     * backend, which may admit queued requests at its step boundaries — those the in-graph backend would
     * not take (a greedy request at the head of the queue waits for the next batch, where it runs in-graph).
     */
    @Override
    public void generate(List<PreparedRequest> batch, RowFeed feed) {
        Map<Integer, List<PreparedRequest>> groups = new TreeMap<>();
        List<PreparedRequest> rest = new ArrayList<>();
        for (PreparedRequest r : batch) {
            if (accepts.test(r)) {
                groups.computeIfAbsent(bucket(r.params().maxNewTokens()), k -> new ArrayList<>()).add(r);
            } else {
                rest.add(r);
            }
        }
        for (List<PreparedRequest> group : groups.values()) {
            List<GenerationResult> out = inGraph.generate(group);
            for (int i = 0; i < group.size(); i++) {
                feed.complete(group.get(i), out.get(i));
            }
        }
        if (!rest.isEmpty()) {
            general.generate(rest, new RowFeed() {
                @Override
                public List<PreparedRequest> admit(int running, long stepNanos, Predicate<PreparedRequest> joinable) {
                    return feed.admit(running, stepNanos, joinable.and(accepts.negate()));
                }

                @Override
                public void complete(PreparedRequest request, GenerationResult result) {
                    feed.complete(request, result);
                }
            });
        }
    }

    @Override
    public void warmUp(int maxBatchSize) {
        inGraph.warmUp(maxBatchSize);
        general.warmUp(maxBatchSize);
    }

    @Override
    public long ortNanos() {
        return inGraph.ortNanos() + general.ortNanos();
    }

    @Override
    public void terminate() {
        inGraph.terminate();
        general.terminate();
    }

    @Override
    public void close() {
        try {
            inGraph.close();
        } finally {
            general.close();
        }
    }
}
