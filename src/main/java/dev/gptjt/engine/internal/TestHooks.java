package dev.gptjt.engine.internal;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Test-only seams of the step loop: a {@link StepHook} told of its events (and that may hold it at a step boundary),
 * and with the system property {@value #STEP_SCALE_PROPERTY} set to a factor above 1 a model made that many times
 * slower (after each step the loop waits factor − 1 times what the step took), so that the test suite can be run
 * against a slower model. Neither is ever set in production: {@link #take} then returns {@link #NONE}, whose calls
 * cost nothing.
 */
public final class TestHooks {
    /** Test-only: how many times slower the model is made; unset or 1, as fast as it is. */
    public static final String STEP_SCALE_PROPERTY = "gptjt-test.step-scale";

    private static final System.Logger LOG = System.getLogger(TestHooks.class.getName());

    static final AtomicReference<StepHook> NEXT = new AtomicReference<>();

    private static final StepHook NO_HOOK = new StepHook() {};

    /** No hook, full speed. */
    public static final TestHooks NONE = new TestHooks(NO_HOOK, 1);

    private final StepHook hook;
    private final double scale;

    private TestHooks(StepHook hook, double scale) {
        this.hook = hook;
        this.scale = scale;
    }

    /**
     * The seams of an engine opening now: the hook a test handed over ({@link StepHook#forNextEngine}) and the step
     * scale, read at each open rather than in a static initialiser, so that a bad value is refused there, by name.
     *
     * @throws IllegalArgumentException when the step scale is not a number of at least 1
     */
    public static TestHooks take() {
        StepHook hook = NEXT.getAndSet(null);
        double scale = stepScale(System.getProperty(STEP_SCALE_PROPERTY));
        if (hook == null && scale <= 1) {
            return NONE;
        }
        if (scale > 1) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "test-only " + STEP_SCALE_PROPERTY + "=" + scale + ": the model is made " + scale
                            + " times slower");
        }
        return new TestHooks(hook == null ? NO_HOOK : hook, scale);
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

    /** The hook (one that ignores everything when no test handed one). */
    public StepHook hook() {
        return hook;
    }

    /** After a step that took {@code stepNanos}: waits scale − 1 times that. */
    public void pace(long stepNanos) {
        if (scale <= 1) {
            return;
        }
        try {
            TimeUnit.NANOSECONDS.sleep((long) ((scale - 1) * stepNanos));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
