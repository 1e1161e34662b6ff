package dev.gptjt.engine.testing;

import dev.gptjt.engine.EngineConfig;
import dev.gptjt.engine.EngineListener;
import dev.gptjt.engine.EngineResult;
import dev.gptjt.engine.InferenceEngine;
import dev.gptjt.engine.internal.StepHook;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * A gate at the step boundaries of an engine's batches, which the test opens: a test that needs a batch running
 * (to close the engine under it, to have requests join it, to fill the queue behind it) holds it at a boundary
 * for as long as it needs, whatever the model's speed. Also counts the batches started and the requests ended, so a
 * test can wait until something has demonstrably run.
 *
 * <p>Shut by default: the first batch stops at its first boundary (after its prompt pass and first step). Closing
 * the engine lets a held batch go (it then ends with CLOSED). Every wait is bounded and fails with a message.
 */
public final class StepGate implements AutoCloseable {
    private static final long OPEN = Long.MAX_VALUE;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Duration deadline;
    private long permits; // boundaries that may still pass; OPEN: all. Guarded by lock, as the fields below
    private boolean held;
    private long passed;
    private int batches;
    private int completed;
    private boolean terminated;

    private StepGate(long permits, Duration deadline) {
        this.permits = permits;
        this.deadline = deadline;
    }

    /** A gate that holds the first batch at its first step boundary. */
    public static StepGate shut() {
        return new StepGate(0, Await.DEFAULT_DEADLINE);
    }

    /** A gate that lets every boundary pass: only counts batches and results, until {@link #shutNow()}. */
    public static StepGate open() {
        return new StepGate(OPEN, Await.DEFAULT_DEADLINE);
    }

    /** Opens an engine whose batches pass through this gate. */
    public InferenceEngine open(EngineConfig config) {
        return open(config, null);
    }

    /** As {@link #open(EngineConfig)}, with a batch listener. */
    public InferenceEngine open(EngineConfig config, EngineListener listener) {
        synchronized (StepGate.class) { // the hand-over is to the next engine: one opening at a time
            StepHook.forNextEngine(hook);
            try {
                return InferenceEngine.open(config, listener);
            } finally {
                StepHook.forNextEngine(null);
            }
        }
    }

    /** Waits until a batch is held at a step boundary. */
    public void awaitHeld() {
        await("a batch held at a step boundary", () -> held);
    }

    /** Lets the held batch pass one boundary, and waits until it has: it runs until its next one, where it is held. */
    public void step() {
        lock.lock();
        try {
            awaitHeld();
            long before = passed;
            permits++;
            changed.signalAll();
            await("the held batch to pass its boundary", () -> passed > before);
        } finally {
            lock.unlock();
        }
    }

    /** Lets the held batch pass boundary after boundary until {@code done} holds (checked at each boundary). */
    public void stepUntil(String what, BooleanSupplier done) {
        while (!done.getAsBoolean()) {
            lock.lock();
            try {
                await("a batch held at a step boundary, or " + what, () -> held || done.getAsBoolean());
                if (!held) {
                    return;
                }
            } finally {
                lock.unlock();
            }
            step();
        }
    }

    /** From now on every boundary passes. */
    public void release() {
        lock.lock();
        try {
            permits = OPEN;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** From now on the next boundary holds (for a gate that was open). */
    public void shutNow() {
        lock.lock();
        try {
            permits = 0;
        } finally {
            lock.unlock();
        }
    }

    /** Waits until {@code n} batches have started. */
    public void awaitBatches(int n) {
        await(n + " batches started", () -> batches >= n);
    }

    /** Waits until {@code n} requests have ended (their results handed to the scheduler). */
    public void awaitCompleted(int n) {
        await(n + " requests ended", () -> completed >= n);
    }

    /** Requests ended so far. */
    public int completed() {
        lock.lock();
        try {
            return completed;
        } finally {
            lock.unlock();
        }
    }

    /** Lets every batch go: a test that ends while holding one does not leave the engine's thread waiting. */
    @Override
    public void close() {
        release();
    }

    /** Waits, holding the lock, until {@code condition} (read under it) holds; fails at the deadline. */
    private void await(String what, BooleanSupplier condition) {
        lock.lock();
        try {
            long nanos = deadline.toNanos();
            while (!condition.getAsBoolean()) {
                if (nanos <= 0) {
                    throw new AssertionError(
                            "not within " + deadline.toMillis() + " ms: " + what + " (" + state() + ")");
                }
                nanos = changed.awaitNanos(nanos);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for " + what, e);
        } finally {
            lock.unlock();
        }
    }

    private String state() {
        return "batches " + batches + ", boundaries passed " + passed + ", held " + held + ", requests ended "
                + completed + (terminated ? ", terminated" : "");
    }

    private final StepHook hook = new StepHook() {
        @Override
        public void batchStarting(int size) {
            signal(() -> batches++);
        }

        @Override
        public void atStepBoundary(int running) {
            lock.lock();
            try {
                held = true;
                changed.signalAll();
                while (permits == 0 && !terminated) {
                    changed.await(1, TimeUnit.SECONDS);
                }
                if (permits != OPEN && permits > 0) {
                    permits--;
                }
                held = false;
                passed++;
                changed.signalAll();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void completed(EngineResult result) {
            signal(() -> completed++);
        }

        @Override
        public void terminated() {
            signal(() -> terminated = true);
        }
    };

    private void signal(Runnable change) {
        lock.lock();
        try {
            change.run();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
