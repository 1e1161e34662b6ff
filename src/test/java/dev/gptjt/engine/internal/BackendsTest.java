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
import org.junit.jupiter.api.Test;

class BackendsTest {

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
                            r.id(), 0, new int[0], r.id(), FinishReason.LENGTH, 0, 0, batch.size(), name, 0, 0, 0, 0))
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
    void shouldRouteEachRequestToTheFirstInGraphBackendThatAcceptsItElseTheGeneralOne() {
        Backends backends = new Backends(
                List.of(
                        new Backends.Route(new Recording("in-graph"), BackendsTest::greedy),
                        new Backends.Route(new Recording("other"), r -> true)),
                new Recording("loop"));
        assertEquals(0, backends.routeOf(request("g", GenerationParams.DEFAULTS)));
        assertEquals(1, backends.routeOf(request("s", GenerationParams.DEFAULTS.withSampling(0.7, 0, 1.0, 1L))));
        assertEquals(2, backends.generalIndex());
        assertEquals("in-graph+other+loop", backends.name());
        Backends alone = Backends.of(new Recording("loop"));
        assertEquals(0, alone.routeOf(request("g", GenerationParams.DEFAULTS)));
        assertEquals(0, alone.generalIndex());
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
        Backends routing = new Backends(
                List.of(
                        new Backends.Route(new ClosingBackend("greedy", closed, first), r -> true),
                        new Backends.Route(new ClosingBackend("classify", closed, second), r -> true)),
                new ClosingBackend("loop", closed, null));

        RuntimeException thrown = assertThrows(RuntimeException.class, routing::close);

        assertSame(first, thrown);
        assertEquals(List.of(second), List.of(thrown.getSuppressed()));
        assertEquals(List.of("greedy", "classify", "loop"), closed);
    }
}
