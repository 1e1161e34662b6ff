package dev.gptjt.engine.internal.scheduler;

import dev.gptjt.engine.BatchFormation;
import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.EngineListener;
import dev.gptjt.engine.EngineResult;
import dev.gptjt.engine.ErrorCode;
import dev.gptjt.engine.Lane;
import dev.gptjt.engine.internal.GenerationBackend;
import dev.gptjt.engine.internal.PreparedRequest;
import dev.gptjt.engine.internal.RowFeed;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

/**
 * Merges concurrent submissions from any thread into batches for one backend, run one at a time on
 * a dedicated thread. A backend that decodes step by step also takes queued requests into the running
 * batch at step boundaries ({@link RowFeed}), and each request completes as soon as it ends. The queue
 * is bounded: a full queue rejects at once with {@link ErrorCode#OVERLOADED} rather than growing.
 */
public final class BatchScheduler implements AutoCloseable {

    private record Pending(PreparedRequest request, CompletableFuture<EngineResult> future) {}

    private final GenerationBackend backend;
    private final int maxBatchSize;
    private final long maxWaitNanos;
    private final int maxQueue;
    private final BatchFormation formation;
    private final EngineListener listener;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Condition notFull = lock.newCondition();
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();

    private record Task(Runnable work, CompletableFuture<Void> done) {}

    private final ArrayDeque<Task> tasks = new ArrayDeque<>(); // guarded by lock: run on the worker between batches
    private final Thread worker;
    private boolean closed; // guarded by lock

    /**
     * @param formation how a batch is chosen from a longer queue
     * @param listener  observes finished requests; may be null
     */
    public BatchScheduler(
            GenerationBackend backend,
            int maxBatchSize,
            Duration maxWait,
            int maxQueue,
            BatchFormation formation,
            EngineListener listener) {
        this.backend = backend;
        this.formation = formation;
        this.maxBatchSize = maxBatchSize;
        this.maxWaitNanos = maxWait.toNanos();
        this.maxQueue = maxQueue;
        this.listener = listener;
        // ORT native calls run on this thread: give it more stack than the JVM default, as for loading.
        this.worker = new Thread(null, this::run, "gptjt-batch-scheduler", 16L << 20);
        this.worker.setDaemon(true);
        this.worker.start();
    }

    /**
     * Queues a request. Never blocks.
     *
     * @return a future completed with the result, or exceptionally with an {@link EngineException}:
     *     {@link ErrorCode#OVERLOADED} at once when the queue is full, {@link ErrorCode#CLOSED} when the
     *     scheduler is closed, or the backend's error
     */
    public CompletableFuture<EngineResult> submit(PreparedRequest request) {
        CompletableFuture<EngineResult> future = new CompletableFuture<>();
        lock.lock();
        try {
            if (closed) {
                future.completeExceptionally(new EngineException(ErrorCode.CLOSED, "engine is closed"));
            } else if (queue.size() >= maxQueue) {
                future.completeExceptionally(new EngineException(
                        ErrorCode.OVERLOADED, "engine queue is full (" + maxQueue + " requests waiting); retry later"));
            } else {
                queue.addLast(new Pending(request, future));
                changed.signal();
            }
        } finally {
            lock.unlock();
        }
        return future;
    }

    /** Interim: lanes not yet scheduled apart. */
    public <T> CompletableFuture<T> submit(
            PreparedRequest request, Lane lane, java.util.function.Function<EngineResult, T> as) {
        return submit(request).thenApply(as);
    }

    /** Interim: one queue. */
    public boolean awaitCapacity(Duration timeout, Lane lane) {
        return awaitCapacity(timeout);
    }

    /** Interim: one queue. */
    public int queued(Lane lane) {
        return lane == Lane.REALTIME ? queued() : 0;
    }

    /**
     * Waits until the queue has room for one more request, at most {@code timeout}.
     *
     * @return true when there is room or the scheduler is closed; false on timeout
     */
    public boolean awaitCapacity(Duration timeout) {
        long nanos = timeout.toNanos();
        lock.lock();
        try {
            while (!closed && queue.size() >= maxQueue) {
                if (nanos <= 0) {
                    return false;
                }
                nanos = notFull.awaitNanos(nanos);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            lock.unlock();
        }
    }

    /** Requests waiting for a batch. */
    public int queued() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Runs {@code task} on the scheduler thread between batches (the backend is used by that thread
     * only) and waits for it.
     *
     * @throws EngineException {@link ErrorCode#CLOSED} when the scheduler is closed; what the task throws
     */
    public void runOnWorker(Runnable task) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        lock.lock();
        try {
            if (closed) {
                throw new EngineException(ErrorCode.CLOSED, "engine is closed");
            }
            tasks.addLast(new Task(task, done));
            changed.signal();
        } finally {
            lock.unlock();
        }
        try {
            done.join();
        } catch (CompletionException e) {
            throw EngineException.from(e.getCause());
        }
    }

    private Task nextTask() {
        lock.lock();
        try {
            return tasks.pollFirst();
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        while (true) {
            Task task = nextTask();
            if (task != null) {
                try {
                    task.work().run();
                    task.done().complete(null);
                } catch (RuntimeException | Error e) {
                    task.done().completeExceptionally(e);
                }
                continue;
            }
            List<Pending> expired = new ArrayList<>();
            List<Pending> batch = nextBatch(expired);
            failExpired(expired);
            if (batch == null) {
                return;
            }
            runBatch(batch);
        }
    }

    /**
     * Blocks until {@link BatchPolicy} dispatches a batch; null once closed. Requests whose deadline
     * passed are moved to {@code expired} (completed by the caller, outside the lock) instead.
     */
    private List<Pending> nextBatch(List<Pending> expired) {
        lock.lock();
        try {
            while (!closed) {
                if (!tasks.isEmpty()) {
                    return List.of(); // the caller runs it first
                }
                long now = System.nanoTime();
                if (queue.removeIf(p -> p.request().expired(now) && expired.add(p))) {
                    notFull.signalAll();
                }
                if (!expired.isEmpty()) {
                    return List.of(); // let the caller fail them now rather than after waiting
                }
                long oldestWait = queue.isEmpty()
                        ? 0
                        : System.nanoTime() - queue.peekFirst().request().submittedNanos();
                BatchPolicy.Decision d = BatchPolicy.decide(queue.size(), oldestWait, maxBatchSize, maxWaitNanos);
                if (d.take() > 0) {
                    List<Pending> batch = take(d.take());
                    notFull.signalAll();
                    return batch;
                }
                if (d.waitNanos() == Long.MAX_VALUE) {
                    changed.await();
                } else {
                    changed.awaitNanos(d.waitNanos());
                }
            }
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } finally {
            lock.unlock();
        }
    }

    /** Removes {@code n} requests from the queue as {@link #formation} chooses them. Holds the lock. */
    private List<Pending> take(int n) {
        List<Pending> batch = new ArrayList<>(n);
        if (formation == BatchFormation.FIFO || queue.size() <= n) {
            for (int i = 0; i < n; i++) {
                batch.add(queue.pollFirst());
            }
            return batch;
        }
        List<Pending> window = new ArrayList<>(Math.min(queue.size(), n * BatchFormation.LOOKAHEAD_BATCHES));
        while (window.size() < n * BatchFormation.LOOKAHEAD_BATCHES && !queue.isEmpty()) {
            window.add(queue.pollFirst());
        }
        int[] lengths = new int[window.size()];
        for (int i = 0; i < lengths.length; i++) {
            PreparedRequest r = window.get(i).request();
            lengths[i] = r.promptIds().length - r.prefixLength();
        }
        boolean[] taken = new boolean[window.size()];
        for (int i : BatchPolicy.pickByLength(lengths, n)) {
            taken[i] = true;
            batch.add(window.get(i));
        }
        for (int i = window.size() - 1; i >= 0; i--) { // the rest go back in their order, at the head
            if (!taken[i]) {
                queue.addFirst(window.get(i));
            }
        }
        return batch;
    }

    private void runBatch(List<Pending> batch) {
        if (batch.isEmpty()) {
            return;
        }
        Map<PreparedRequest, Pending> inFlight = new IdentityHashMap<>();
        batch.forEach(p -> inFlight.put(p.request(), p));
        RowFeed feed = new RowFeed() {
            @Override
            public List<PreparedRequest> admit(int running, long stepNanos, Predicate<PreparedRequest> may) {
                List<Pending> joining = joinable(running, stepNanos, may);
                joining.forEach(p -> inFlight.put(p.request(), p));
                return joining.stream().map(Pending::request).toList();
            }

            @Override
            public void complete(PreparedRequest request, EngineResult result) {
                Pending p = inFlight.remove(request);
                if (p == null) {
                    return;
                }
                long started = System.nanoTime() - result.inferenceNanos();
                EngineResult done = result.withQueuedNanos(Math.max(0, started - request.submittedNanos()));
                p.future().complete(done);
                if (listener != null) {
                    listener.onFinished(Lane.REALTIME, done);
                }
            }
        };
        try {
            backend.run(batch.stream().map(Pending::request).toList(), feed);
            if (!inFlight.isEmpty()) {
                fail(
                        inFlight,
                        new EngineException(
                                ErrorCode.INFERENCE_FAILED, "the backend ended without a result for the request"));
            }
        } catch (RuntimeException e) {
            fail(inFlight, EngineException.from(e));
        } catch (OutOfMemoryError e) {
            // this batch's buffers (the KV cache is direct memory) did not fit: fail it and keep serving, rather
            // than let the scheduler thread die and every later request wait for ever
            fail(
                    inFlight,
                    new EngineException(
                            ErrorCode.INFERENCE_FAILED,
                            "out of memory in a batch of " + batch.size() + " (" + e.getMessage()
                                    + "): lower max-batch-size or max-context, or raise -XX:MaxDirectMemorySize",
                            e));
        }
    }

    private static void fail(Map<PreparedRequest, Pending> inFlight, EngineException failure) {
        inFlight.values().forEach(p -> p.future().completeExceptionally(failure));
        inFlight.clear();
    }

    /**
     * Takes the queued requests that join a running batch now ({@link BatchPolicy#admit}), oldest first,
     * from the head of the queue while {@code may} holds. Expired requests fail with DEADLINE_EXCEEDED instead.
     */
    private List<Pending> joinable(int running, long stepNanos, Predicate<PreparedRequest> may) {
        List<Pending> expired = new ArrayList<>();
        List<Pending> joining = new ArrayList<>();
        lock.lock();
        try {
            if (closed || queue.isEmpty() || running >= maxBatchSize) {
                return joining;
            }
            long now = System.nanoTime();
            if (queue.removeIf(p -> p.request().expired(now) && expired.add(p))) {
                notFull.signalAll();
            }
            int head = 0;
            for (Pending p : queue) {
                if (!may.test(p.request())) {
                    break;
                }
                head++;
            }
            long oldestWait =
                    queue.isEmpty() ? 0 : now - queue.peekFirst().request().submittedNanos();
            int take = BatchPolicy.admit(head, oldestWait, running, maxBatchSize, maxWaitNanos, stepNanos);
            for (int i = 0; i < take; i++) {
                joining.add(queue.pollFirst());
            }
            if (take > 0) {
                notFull.signalAll();
            }
        } finally {
            lock.unlock();
        }
        failExpired(expired);
        return joining;
    }

    /** Fails requests whose deadline passed while queued; builds the error only when there are some (this runs every step). */
    private static void failExpired(List<Pending> expired) {
        if (expired.isEmpty()) {
            return;
        }
        EngineException late =
                new EngineException(ErrorCode.DEADLINE_EXCEEDED, "deadline passed before the request's batch started");
        expired.forEach(p -> p.future().completeExceptionally(late));
    }

    /**
     * Stops taking requests, fails the queued ones with {@link ErrorCode#CLOSED}, ends the running
     * batch through {@link GenerationBackend#terminate()}, and waits for the scheduler thread.
     */
    @Override
    public void close() {
        close(Duration.ZERO);
    }

    /**
     * As {@link #close()}, but the running batch may finish within {@code grace} before it is terminated.
     */
    public void close(Duration grace) {
        List<Pending> dropped;
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            dropped = new ArrayList<>(queue);
            queue.clear();
            tasks.forEach(t -> t.done().completeExceptionally(new EngineException(ErrorCode.CLOSED, "engine closed")));
            tasks.clear();
            changed.signalAll();
            notFull.signalAll();
        } finally {
            lock.unlock();
        }
        EngineException closedError = new EngineException(ErrorCode.CLOSED, "engine closed before the request ran");
        dropped.forEach(p -> p.future().completeExceptionally(closedError));
        try {
            if (!grace.isZero()) {
                worker.join(Math.max(1, grace.toMillis()));
            }
            backend.terminate();
            worker.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
