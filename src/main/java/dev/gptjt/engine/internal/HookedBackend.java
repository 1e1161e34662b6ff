package dev.gptjt.engine.internal;

import dev.gptjt.engine.EngineResult;
import dev.gptjt.engine.PromptPrefix;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

/**
 * Test-only decorator of a backend: tells a {@link StepHook} of its batch's events, and with the system property
 * {@value #STEP_SCALE_PROPERTY} set to a factor above 1 makes the model that many times slower (after each step,
 * and before each result, it waits factor − 1 times the time the backend took since the previous one), so that the
 * test suite can be run against a slower model. Neither is ever set in production, and then
 * {@link #around} returns the backend itself: nothing is decorated, nothing costs.
 */
final class HookedBackend implements GenerationBackend {
    /** Test-only: how many times slower the model is made; unset or 1, as fast as it is. */
    static final String STEP_SCALE_PROPERTY = "gptjt-test.step-scale";

    private static final System.Logger LOG = System.getLogger(HookedBackend.class.getName());

    static final AtomicReference<StepHook> NEXT = new AtomicReference<>();

    private static final StepHook NONE = new StepHook() {};

    private final GenerationBackend backend;
    private final StepHook hook;
    private final double scale;

    private HookedBackend(GenerationBackend backend, StepHook hook, double scale) {
        this.backend = backend;
        this.hook = hook;
        this.scale = scale;
    }

    /** {@code backend} as an engine opened now runs it: decorated only when a test asked for it. */
    static GenerationBackend around(GenerationBackend backend) {
        StepHook hook = NEXT.getAndSet(null);
        // read at each open, not in a static initialiser: a bad value is refused there, by name, not as a class
        // that failed to initialise
        double scale = stepScale(System.getProperty(STEP_SCALE_PROPERTY));
        if (hook == null && scale <= 1) {
            return backend;
        }
        if (scale > 1) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "test-only " + STEP_SCALE_PROPERTY + "=" + scale + ": the model is made " + scale
                            + " times slower");
        }
        return new HookedBackend(backend, hook == null ? NONE : hook, scale);
    }

    /**
     * The factor the property names: a number of at least 1.
     *
     * @throws IllegalArgumentException for anything else, so that a mistyped run does not silently go at full speed
     */
    static double stepScale(String property) {
        if (property == null || property.isBlank()) {
            return 1;
        }
        double scale = Double.parseDouble(property.strip());
        if (!(scale >= 1)) {
            throw new IllegalArgumentException(STEP_SCALE_PROPERTY + " must be at least 1 (how many times slower the"
                    + " model runs), not " + property);
        }
        return scale;
    }

    @Override
    public String name() {
        return backend.name();
    }

    @Override
    public List<EngineResult> run(List<PreparedRequest> batch) {
        return RowFeed.Collector.run(this, batch);
    }

    @Override
    public void run(List<PreparedRequest> batch, RowFeed feed) {
        hook.batchStarting(batch.size());
        backend.run(batch, new ObservedFeed(feed));
    }

    /** The scheduler's feed, with the hook told of each event and the pacing applied before it. */
    private final class ObservedFeed implements RowFeed {
        private final RowFeed feed;
        private long since = System.nanoTime(); // the end of the previous event: the backend has worked since

        ObservedFeed(RowFeed feed) {
            this.feed = feed;
        }

        @Override
        public List<PreparedRequest> admit(int running, long stepNanos, Predicate<PreparedRequest> joinable) {
            pace();
            hook.atStepBoundary(running);
            List<PreparedRequest> joining = feed.admit(running, stepNanos, joinable);
            since = System.nanoTime();
            return joining;
        }

        @Override
        public void complete(PreparedRequest request, EngineResult result) {
            pace();
            feed.complete(request, result);
            hook.completed(result);
            since = System.nanoTime();
        }

        /** Waits scale − 1 times what the backend took since the previous event. */
        private void pace() {
            if (scale <= 1) {
                return;
            }
            long extra = (long) ((scale - 1) * (System.nanoTime() - since));
            try {
                TimeUnit.NANOSECONDS.sleep(extra);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void warmUp(int maxBatchSize) {
        backend.warmUp(maxBatchSize);
    }

    @Override
    public PromptPrefix.CacheState cachePrefix(int[] tokens) {
        return backend.cachePrefix(tokens);
    }

    @Override
    public long ortNanos() {
        return backend.ortNanos();
    }

    @Override
    public void terminate() {
        backend.terminate();
        hook.terminated();
    }

    @Override
    public void close() {
        terminate();
        backend.close();
    }
}
