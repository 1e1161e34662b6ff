package dev.gptjt.engine.internal;

import dev.gptjt.engine.EngineResult;
import dev.gptjt.engine.PromptPrefix;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * Splits each batch between in-graph backends and the general one: requests an in-graph backend accepts
 * (the first that does) run there, grouped by {@link #bucket max_new_tokens bucket} (one operator call
 * generates up to the group's largest limit, so a group of similar limits wastes few steps; classifications
 * by their longest label); every other
 * request runs on the general backend. Each result names the backend that produced it.
 */
public final class RoutingBackend implements GenerationBackend {
    /** An in-graph backend and the requests it can run. */
    public record Route(GenerationBackend backend, Predicate<PreparedRequest> accepts) {}

    private final List<Route> routes;
    private final Predicate<PreparedRequest> routed;
    private final GenerationBackend general;

    /**
     * @param routes  specialised backends, tried in order
     * @param general runs everything else
     */
    public RoutingBackend(List<Route> routes, GenerationBackend general) {
        this.routes = List.copyOf(routes);
        this.routed =
                r -> this.routes.stream().anyMatch(route -> route.accepts().test(r));
        this.general = general;
    }

    /** One specialised backend beside the general one. */
    public RoutingBackend(GenerationBackend inGraph, Predicate<PreparedRequest> accepts, GenerationBackend general) {
        this(List.of(new Route(inGraph, accepts)), general);
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
        StringBuilder name = new StringBuilder();
        routes.forEach(r -> name.append(r.backend().name()).append('+'));
        return name.append(general.name()).toString();
    }

    /** The general backend keeps prefixes; the in-graph ones read them from it or run whole prompts. */
    @Override
    public PromptPrefix.CacheState cachePrefix(int[] tokens) {
        return general.cachePrefix(tokens);
    }

    @Override
    public List<EngineResult> run(List<PreparedRequest> batch) {
        return RowFeed.Collector.run(this, batch);
    }

    /**
     * The in-graph groups, each completed through {@code feed} as it returns; then the rest on the general
     * backend, which may admit queued requests at its step boundaries — those no in-graph backend would
     * take (such a request at the head of the queue waits for the next batch, where it runs in-graph).
     */
    @Override
    public void run(List<PreparedRequest> batch, RowFeed feed) {
        Map<Route, Map<Integer, List<PreparedRequest>>> groups = new LinkedHashMap<>();
        List<PreparedRequest> rest = new ArrayList<>();
        for (PreparedRequest r : batch) {
            Route route =
                    routes.stream().filter(x -> x.accepts().test(r)).findFirst().orElse(null);
            if (route != null) {
                groups.computeIfAbsent(route, x -> new TreeMap<>())
                        .computeIfAbsent(bucket(r.continuationTokens()), k -> new ArrayList<>())
                        .add(r);
            } else {
                rest.add(r);
            }
        }
        groups.forEach((route, buckets) -> {
            for (List<PreparedRequest> group : buckets.values()) {
                List<EngineResult> out = route.backend().run(group);
                for (int i = 0; i < group.size(); i++) {
                    feed.complete(group.get(i), out.get(i));
                }
            }
        });
        if (!rest.isEmpty()) {
            general.run(rest, new RowFeed() {
                @Override
                public List<PreparedRequest> admit(int running, long stepNanos, Predicate<PreparedRequest> joinable) {
                    return feed.admit(running, stepNanos, joinable.and(routed.negate()));
                }

                @Override
                public void complete(PreparedRequest request, EngineResult result) {
                    feed.complete(request, result);
                }
            });
        }
    }

    @Override
    public void warmUp(int maxBatchSize) {
        routes.forEach(r -> r.backend().warmUp(maxBatchSize));
        general.warmUp(maxBatchSize);
    }

    @Override
    public long ortNanos() {
        return routes.stream().mapToLong(r -> r.backend().ortNanos()).sum() + general.ortNanos();
    }

    @Override
    public void terminate() {
        routes.forEach(r -> r.backend().terminate());
        general.terminate();
    }

    @Override
    public void close() {
        List<AutoCloseable> parts = new ArrayList<>();
        routes.forEach(r -> parts.add(r.backend()::close));
        parts.add(general::close);
        Closing.all(parts); // every backend's natives freed, whatever one of them throws
    }
}
