package dev.gptjt.engine.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.gptjt.engine.EngineResult;
import dev.gptjt.engine.FinishReason;
import dev.gptjt.engine.GenerationParams;
import dev.gptjt.engine.GenerationResult;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

class RoutingBackendTest {

    /** Records the batches it is given and answers each request with its own id. */
    private static class Recording implements GenerationBackend {
        final String name;
        final List<List<String>> batches = new ArrayList<>();

        Recording(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public List<EngineResult> run(List<PreparedRequest> batch) {
            batches.add(batch.stream().map(PreparedRequest::id).toList());
            return batch.stream()
                    .<EngineResult>map(r -> new GenerationResult(
                            r.id(), 0, new int[0], r.id(), FinishReason.LENGTH, 0, 0, batch.size(), name, 0, 0))
                    .toList();
        }

        @Override
        public void terminate() {}

        @Override
        public void close() {}
    }

    private static PreparedRequest request(String id, GenerationParams params) {
        return new PreparedRequest.Generation(id, new int[] {1}, params, 0, Long.MAX_VALUE, null);
    }

    private static boolean greedy(PreparedRequest r) {
        return ((PreparedRequest.Generation) r).params().greedy();
    }

    @Test
    void shouldGroupGreedyRequestsByMaxNewTokensBucketAndKeepTheBatchOrder() {
        Recording inGraph = new Recording("in-graph");
        Recording loop = new Recording("loop");
        RoutingBackend routing = new RoutingBackend(inGraph, RoutingBackendTest::greedy, loop);
        GenerationParams greedy = GenerationParams.DEFAULTS;
        GenerationParams sampled = greedy.withSampling(0.7, 0, 1.0, 1L);
        List<PreparedRequest> batch = List.of(
                request("a", greedy.withMaxNewTokens(5)), // bucket 8
                request("b", sampled),
                request("c", greedy.withMaxNewTokens(16)), // bucket 16
                request("d", greedy.withMaxNewTokens(8)), // bucket 8
                request("e", sampled));

        List<EngineResult> results = routing.run(batch);

        // in-graph: [a, d] (bucket 8), [c] (bucket 16); loop: [b, e]
        assertEquals(List.of(List.of("a", "d"), List.of("c")), inGraph.batches);
        assertEquals(List.of(List.of("b", "e")), loop.batches);
        assertEquals(
                List.of("a", "b", "c", "d", "e"),
                results.stream().map(EngineResult::id).toList());
        assertEquals(
                List.of("in-graph", "loop", "in-graph", "in-graph", "loop"),
                results.stream().map(EngineResult::backend).toList());
    }

    @Test
    void shouldLetTheGeneralBackendAdmitOnlyWhatTheInGraphOneWouldNotTake() {
        Recording inGraph = new Recording("in-graph");
        List<Predicate<PreparedRequest>> asked = new ArrayList<>();
        GenerationBackend loop = new Recording("loop") {
            @Override
            public void run(List<PreparedRequest> batch, RowFeed feed) {
                feed.admit(0, 0, r -> true); // a step boundary: the loop asks for anything
                super.run(batch, feed);
            }
        };
        RoutingBackend routing = new RoutingBackend(inGraph, RoutingBackendTest::greedy, loop);
        List<String> completed = new ArrayList<>();
        routing.run(
                List.of(
                        request("g", GenerationParams.DEFAULTS),
                        request("s", GenerationParams.DEFAULTS.withSampling(0.7, 0, 1.0, 1L))),
                new RowFeed() {
                    @Override
                    public List<PreparedRequest> admit(
                            int running, long stepNanos, Predicate<PreparedRequest> joinable) {
                        asked.add(joinable);
                        return List.of();
                    }

                    @Override
                    public void complete(PreparedRequest request, EngineResult result) {
                        completed.add(request.id() + "@" + result.backend());
                    }
                });
        assertEquals(List.of("g@in-graph", "s@loop"), completed);
        assertEquals(1, asked.size());
        assertEquals(
                false,
                asked.get(0).test(request("greedy", GenerationParams.DEFAULTS)),
                "greedy requests wait for the in-graph backend");
        assertEquals(
                true, asked.get(0).test(request("sampled", GenerationParams.DEFAULTS.withSampling(0.7, 0, 1.0, 1L))));
    }

    @Test
    void shouldBucketByTheNextPowerOfTwo() {
        assertEquals(
                List.of(1, 2, 4, 4, 8, 8, 16, 512),
                List.of(
                        RoutingBackend.bucket(1),
                        RoutingBackend.bucket(2),
                        RoutingBackend.bucket(3),
                        RoutingBackend.bucket(4),
                        RoutingBackend.bucket(5),
                        RoutingBackend.bucket(8),
                        RoutingBackend.bucket(9),
                        RoutingBackend.bucket(512)));
    }

    /** A backend whose close notes that it ran, then throws its own failure (none: closes cleanly). */
    private static final class ClosingBackend extends Recording {
        final List<String> closed;
        final RuntimeException failure;

        ClosingBackend(String name, List<String> closed, RuntimeException failure) {
            super(name);
            this.closed = closed;
            this.failure = failure;
        }

        @Override
        public void close() {
            closed.add(name);
            if (failure != null) {
                throw failure;
            }
        }
    }

    @Test
    void shouldCloseEveryBackendWhenTheFirstThrowsAndSurfaceTheFirstFailure() {
        List<String> closed = new ArrayList<>();
        RuntimeException first = new IllegalStateException("greedy session failed to close");
        RuntimeException second = new IllegalStateException("classify session failed to close");
        RoutingBackend routing = new RoutingBackend(
                List.of(
                        new RoutingBackend.Route(new ClosingBackend("greedy", closed, first), r -> true),
                        new RoutingBackend.Route(new ClosingBackend("classify", closed, second), r -> true)),
                new ClosingBackend("loop", closed, null));

        RuntimeException thrown = assertThrows(RuntimeException.class, routing::close);

        assertSame(first, thrown);
        assertEquals(List.of(second), List.of(thrown.getSuppressed()));
        assertEquals(List.of("greedy", "classify", "loop"), closed);
    }
}
