package dev.gptjt.engine.internal;

import dev.gptjt.engine.PromptPrefix;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The engine's executors: in-graph backends, each running the requests it accepts, and the general backend (the Java
 * token loop) running everything else. The scheduler decides which one runs each request ({@link #routeOf}) and what
 * each runs at every step; the general backend keeps prefixes.
 */
public final class Backends implements AutoCloseable {
    /** An in-graph backend and the requests it can run. */
    public record Route(GenerationBackend backend, Predicate<PreparedRequest> accepts) {}

    private final List<Route> routes;
    private final GenerationBackend general;
    private final List<GenerationBackend> all;

    /**
     * @param routes  in-graph backends, tried in order
     * @param general runs everything else
     */
    public Backends(List<Route> routes, GenerationBackend general) {
        this.routes = List.copyOf(routes);
        this.general = general;
        List<GenerationBackend> all = new ArrayList<>();
        routes.forEach(r -> all.add(r.backend()));
        all.add(general);
        this.all = List.copyOf(all);
    }

    /** The general backend alone. */
    public static Backends of(GenerationBackend general) {
        return new Backends(List.of(), general);
    }

    /** Every backend: the in-graph ones in order, then the general one (its index is {@link #generalIndex()}). */
    public List<GenerationBackend> all() {
        return all;
    }

    /** The general backend's index in {@link #all()}. */
    public int generalIndex() {
        return all.size() - 1;
    }

    /** The index in {@link #all()} of the backend that runs {@code request}: the first in-graph one that accepts it. */
    public int routeOf(PreparedRequest request) {
        for (int i = 0; i < routes.size(); i++) {
            if (routes.get(i).accepts().test(request)) {
                return i;
            }
        }
        return generalIndex();
    }

    public GenerationBackend general() {
        return general;
    }

    /** The backends' names joined by {@code +}, in-graph ones first. */
    public String name() {
        return String.join("+", all.stream().map(GenerationBackend::name).toList());
    }

    /** The general backend keeps prefixes; the in-graph ones read them from it or run whole prompts. */
    public PromptPrefix.CacheState cachePrefix(int[] tokens) {
        return general.cachePrefix(tokens);
    }

    public void warmUp(int maxBatchSize) {
        all.forEach(b -> b.warmUp(maxBatchSize));
    }

    public long ortNanos() {
        return all.stream().mapToLong(GenerationBackend::ortNanos).sum();
    }

    public void terminate() {
        all.forEach(GenerationBackend::terminate);
    }

    @Override
    public void close() {
        List<AutoCloseable> parts = new ArrayList<>();
        all.forEach(b -> parts.add(b::close));
        Closing.all(parts); // every backend's natives freed, whatever one of them throws
    }
}
