package dev.gptjt.engine.internal.scheduler;

import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.EngineListener;
import dev.gptjt.engine.EngineResult;
import dev.gptjt.engine.ErrorCode;
import dev.gptjt.engine.GenerationResult;
import dev.gptjt.engine.Lane;
import dev.gptjt.engine.StepStats;
import dev.gptjt.engine.StopCause;
import dev.gptjt.engine.internal.Backends;
import dev.gptjt.engine.internal.GenerationBackend;
import dev.gptjt.engine.internal.PreparedRequest;
import dev.gptjt.engine.internal.StepOutput;
import dev.gptjt.engine.internal.StepWork;
import dev.gptjt.engine.internal.TestHooks;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * The engine's loop, on a thread of its own: callers on any thread queue requests in a lane; at each step the loop
 * asks {@link StepPolicy} what runs ({@link #schedule}), has the backends run it ({@link #execute}), and completes what
 * ended ({@link #update}). Futures complete on a completion thread, never on the loop's: what callers attach to them
 * (building result records, parsing entities) does not hold up the model. Each lane's queue is bounded: a full lane
 * rejects at once with {@link ErrorCode#OVERLOADED} rather than growing.
 */
public final class StepLoop implements AutoCloseable {
    /** Queue entries the policy looks at, per lane: more could never be chosen in one step. */
    private static final int VIEWED_PER_LANE = 256;

    private static final EngineListener NO_LISTENER = new EngineListener() {};

    /** A request from submission to its end: queued in its lane, then (on the Java loop) a row. */
    private static final class Entry {
        final PreparedRequest request;
        final Lane lane;
        final CompletableFuture<Object> future;
        final Function<EngineResult, ?> as;
        final long endByNanos;
        final long enqueuedNanos;
        int route; // the backend that runs it: fixed at submission, not looked up at every step
        long startedNanos;
        int prefilled; // prompt-pass tokens run so far

        Entry(PreparedRequest request, Lane lane, long endByNanos, Function<EngineResult, ?> as) {
            this.request = request;
            this.lane = lane;
            this.endByNanos = endByNanos;
            this.as = as;
            this.future = new CompletableFuture<>();
            this.enqueuedNanos = System.nanoTime();
        }

        int passTokens() {
            return request.promptIds().length - request.prefixLength();
        }

        boolean pastDeadline(long now) {
            return endByNanos != Long.MAX_VALUE && now - endByNanos > 0;
        }
    }

    /** A queued entry the sweep took out, and why. */
    private record Dropped(Entry entry, StopCause cause) {}

    /** What {@link #schedule} decided, with the entries it names. */
    private record Scheduled(
            StepPolicy.Plan plan,
            List<Entry> taken,
            List<Entry> stopped,
            List<Entry> continued,
            List<Dropped> dropped) {}

    private record Task(Runnable work, CompletableFuture<Void> done) {}

    private final Backends backends;
    private final StepPolicy.Limits limits;
    private final int realtimeCap;
    private final int bulkCap;
    private final EngineListener listener;
    private final TestHooks hooks;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Condition notFull = lock.newCondition();
    private final ArrayDeque<Entry> realtime = new ArrayDeque<>(); // guarded by lock
    private final ArrayDeque<Entry> bulk = new ArrayDeque<>(); // guarded by lock
    private final ArrayDeque<Task> tasks = new ArrayDeque<>(); // guarded by lock: run on the worker between steps
    private boolean closed; // guarded by lock
    private final List<Entry> rows = new ArrayList<>(); // the Java loop's rows, in start order: worker only
    private final Map<PreparedRequest, Entry> inFlight = new IdentityHashMap<>(); // started, not ended: worker only
    private long lastStepNanos; // worker only
    private final Thread worker;
    private final ExecutorService completions;

    /**
     * @param realtimeCap most realtime requests queued
     * @param bulkCap     most bulk requests queued
     * @param listener    told of steps and requests; may be null
     */
    public StepLoop(
            Backends backends,
            StepPolicy.Limits limits,
            int realtimeCap,
            int bulkCap,
            EngineListener listener,
            TestHooks hooks) {
        this.backends = backends;
        this.limits = limits;
        this.realtimeCap = realtimeCap;
        this.bulkCap = bulkCap;
        this.listener = listener == null ? NO_LISTENER : listener;
        this.hooks = hooks;
        this.completions = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "gptjt-completions");
            t.setDaemon(true);
            return t;
        });
        // ORT native calls run on this thread: give it more stack than the JVM default, as for loading.
        // named as before the loop was a step loop: operators' thread dumps and tests look for it by name
        this.worker = new Thread(null, this::run, "gptjt-batch-scheduler", 16L << 20);
        this.worker.setDaemon(true);
        this.worker.start();
    }

    /**
     * Queues a request in {@code lane}. Never blocks.
     *
     * @param endByNanos {@link System#nanoTime()} after which a running request is stopped ({@link Long#MAX_VALUE}:
     *                   never); the request's own {@link PreparedRequest#deadlineNanos()} is when it may no longer start
     * @param as         what the caller's future holds, made from the result on the completion thread
     * @return a future completed on the completion thread with the result, or exceptionally with an
     *     {@link EngineException}: {@link ErrorCode#OVERLOADED} at once when the lane's queue is full,
     *     {@link ErrorCode#CLOSED}, {@link ErrorCode#DEADLINE_EXCEEDED}, or the backend's error. Cancelling it drops
     *     the request: out of its queue, or its row at the next step.
     */
    @SuppressWarnings("unchecked")
    public <T> CompletableFuture<T> submit(
            PreparedRequest request, Lane lane, long endByNanos, Function<EngineResult, T> as) {
        Entry entry = new Entry(request, lane, endByNanos, as);
        entry.route = backends.routeOf(request);
        lock.lock();
        try {
            ArrayDeque<Entry> queue = queue(lane);
            if (closed) {
                entry.future.completeExceptionally(new EngineException(ErrorCode.CLOSED, "engine is closed"));
            } else if (queue.size() >= cap(lane)) {
                entry.future.completeExceptionally(new EngineException(
                        ErrorCode.OVERLOADED,
                        "engine's " + lane.label() + " queue is full (" + cap(lane)
                                + " requests waiting); retry later"));
            } else {
                queue.addLast(entry);
                changed.signal();
            }
        } finally {
            lock.unlock();
        }
        // a cancelled request leaves its queue at the loop's next look, which an idle loop takes at once
        entry.future.whenComplete((r, t) -> {
            if (entry.future.isCancelled()) {
                wake();
            }
        });
        return (CompletableFuture<T>) entry.future;
    }

    private void wake() {
        lock.lock();
        try {
            changed.signal();
        } finally {
            lock.unlock();
        }
    }

    private ArrayDeque<Entry> queue(Lane lane) {
        return lane == Lane.REALTIME ? realtime : bulk;
    }

    private int cap(Lane lane) {
        return lane == Lane.REALTIME ? realtimeCap : bulkCap;
    }

    /**
     * Waits until {@code lane}'s queue has room for one more request, at most {@code timeout}.
     *
     * @return true when there is room or the loop is closed; false on timeout
     */
    public boolean awaitCapacity(Duration timeout, Lane lane) {
        long nanos = timeout.toNanos();
        lock.lock();
        try {
            while (!closed && queue(lane).size() >= cap(lane)) {
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

    /** Requests waiting in {@code lane}. */
    public int queued(Lane lane) {
        lock.lock();
        try {
            return queue(lane).size();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Runs {@code task} on the loop's thread between steps (the backends are used by that thread only) and waits for
     * it.
     *
     * @throws EngineException {@link ErrorCode#CLOSED} when the loop is closed; what the task throws
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

    private void run() {
        try {
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
                Scheduled s = schedule();
                if (s == null) {
                    return;
                }
                update(s, s.plan().idle() ? Executed.NONE : execute(s));
            }
        } finally {
            // terminated mid-step, or closed: whatever still runs ends with CLOSED
            failAll(new EngineException(ErrorCode.CLOSED, "engine closed while the request was running"));
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

    /**
     * The next step's plan, with the queued entries it starts taken out of their queues (and preempted rows put back
     * at the head of theirs); waits instead while there is nothing to run. Null once closed with no row left.
     */
    private Scheduled schedule() {
        lock.lock();
        try {
            while (true) {
                long now = System.nanoTime();
                List<Dropped> dropped = new ArrayList<>();
                sweep(realtime, now, dropped);
                sweep(bulk, now, dropped);
                if (!dropped.isEmpty()) {
                    notFull.signalAll();
                }
                if (closed && rows.isEmpty()) {
                    return null;
                }
                if (!tasks.isEmpty()) {
                    return new Scheduled(StepPolicy.Plan.NOTHING, List.of(), List.of(), List.of(), dropped);
                }
                List<Entry> rt = head(realtime);
                List<Entry> bk = head(bulk);
                StepPolicy.Plan plan = StepPolicy.plan(
                        views(rt, now), views(bk, now), rowViews(now), rows.isEmpty() ? 0 : lastStepNanos, limits);
                if (plan.idle()) {
                    if (!dropped.isEmpty()) {
                        return new Scheduled(plan, List.of(), List.of(), List.of(), dropped);
                    }
                    if (plan.waitNanos() == Long.MAX_VALUE) {
                        changed.await();
                    } else {
                        changed.awaitNanos(plan.waitNanos());
                    }
                    continue;
                }
                List<Entry> taken = new ArrayList<>();
                for (StepPolicy.Take t : plan.takes()) {
                    Entry e = (t.lane() == Lane.REALTIME ? rt : bk).get(t.index());
                    taken.add(e);
                }
                realtime.removeAll(taken);
                bulk.removeAll(taken);
                List<Entry> stopped = new ArrayList<>();
                List<Entry> preempted = new ArrayList<>();
                for (StepPolicy.Stop stop : plan.stops()) {
                    Entry e = rows.get(stop.row());
                    stopped.add(e);
                    if (stop.cause() == StopCause.PREEMPTED) {
                        preempted.add(e);
                    }
                }
                // back at the head of the lane, in their order, to start again from their prompts
                preempted.sort(
                        Comparator.comparingLong((Entry e) -> e.enqueuedNanos).reversed());
                preempted.forEach(e -> queue(e.lane).addFirst(e));
                List<Entry> continued = new ArrayList<>();
                for (StepPolicy.Continue c : plan.continues()) {
                    continued.add(rows.get(c.row()));
                }
                if (!taken.isEmpty()) {
                    notFull.signalAll();
                }
                return new Scheduled(plan, taken, stopped, continued, dropped);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } finally {
            lock.unlock();
        }
    }

    /** Takes out of {@code queue} the entries cancelled or past the time they may start by. Holds the lock. */
    private static void sweep(ArrayDeque<Entry> queue, long now, List<Dropped> dropped) {
        for (Iterator<Entry> it = queue.iterator(); it.hasNext(); ) {
            Entry e = it.next();
            if (e.future.isDone()) {
                it.remove();
                dropped.add(new Dropped(e, StopCause.CANCELLED));
            } else if (e.request.expired(now) || e.pastDeadline(now)) {
                it.remove();
                dropped.add(new Dropped(e, StopCause.DEADLINE));
            }
        }
    }

    private static List<Entry> head(ArrayDeque<Entry> queue) {
        List<Entry> head = new ArrayList<>(Math.min(queue.size(), VIEWED_PER_LANE));
        for (Entry e : queue) {
            if (head.size() == VIEWED_PER_LANE) {
                break;
            }
            head.add(e);
        }
        return head;
    }

    private List<StepPolicy.Queued> views(List<Entry> entries, long now) {
        List<StepPolicy.Queued> views = new ArrayList<>(entries.size());
        int general = backends.generalIndex();
        for (Entry e : entries) {
            int route = e.route;
            boolean loop = route == general;
            views.add(new StepPolicy.Queued(
                    e.lane,
                    now - e.enqueuedNanos,
                    e.passTokens(),
                    loop,
                    loop && e.request instanceof PreparedRequest.Generation,
                    route,
                    bucket(e.request.continuationTokens())));
        }
        return views;
    }

    /**
     * The group a {@code max_new_tokens} (or a classification's longest label) falls in: the next power of two, so
     * that 1–2, 3–4, 5–8, 9–16… share an in-graph operator call, which generates up to its group's largest limit.
     */
    static int bucket(int continuationTokens) {
        return continuationTokens <= 1 ? 1 : Integer.highestOneBit(continuationTokens - 1) << 1;
    }

    private List<StepPolicy.Row> rowViews(long now) {
        List<StepPolicy.Row> views = new ArrayList<>(rows.size());
        for (Entry e : rows) {
            views.add(new StepPolicy.Row(
                    e.lane, e.startedNanos, e.passTokens() - e.prefilled, e.future.isDone(), e.pastDeadline(now)));
        }
        return views;
    }

    /** What the backends produced in one step. */
    private record Executed(List<StepOutput> outputs, long nanos, boolean loopRan) {
        static final Executed NONE = new Executed(List.of(), 0, false);
    }

    /** Runs the plan: each backend's share of it, the in-graph ones first. Worker only. */
    private Executed execute(Scheduled s) {
        long start = System.nanoTime();
        boolean wasIdle = rows.isEmpty();
        StepPolicy.Plan plan = s.plan();
        int general = backends.generalIndex();
        List<List<StepWork.Start>> starts = new ArrayList<>();
        for (int i = 0; i <= general; i++) {
            starts.add(new ArrayList<>());
        }
        rows.removeAll(s.stopped());
        for (int k = 0; k < s.continued().size(); k++) {
            Entry e = s.continued().get(k);
            e.prefilled += plan.continues().get(k).tokens();
            starts.get(general).add(new StepWork.Start(e.request, e.request.prefixLength() + e.prefilled));
        }
        for (int k = 0; k < s.taken().size(); k++) {
            Entry e = s.taken().get(k);
            int tokens = plan.takes().get(k).tokens();
            e.startedNanos = start;
            e.prefilled = tokens;
            inFlight.put(e.request, e);
            listener.onStarted(e.lane, start - e.enqueuedNanos);
            if (e.route == general) {
                rows.add(e);
                starts.get(general).add(new StepWork.Start(e.request, e.request.prefixLength() + tokens));
            } else {
                starts.get(e.route).add(StepWork.Start.whole(e.request));
            }
        }
        if (wasIdle && !s.taken().isEmpty()) {
            hooks.hook().batchStarting(s.taken().size());
        }
        List<StepOutput> outputs = new ArrayList<>();
        boolean loopRan = false;
        for (int i = 0; i <= general; i++) {
            List<PreparedRequest> stop =
                    i == general ? s.stopped().stream().map(e -> e.request).toList() : List.<PreparedRequest>of();
            StepWork work = new StepWork(stop, starts.get(i));
            boolean decodes = i == general && !rows.isEmpty();
            if (work.isEmpty() && !decodes) {
                continue;
            }
            loopRan |= i == general;
            outputs.add(run(backends.all().get(i), work, i == general));
        }
        return new Executed(outputs, System.nanoTime() - start, loopRan);
    }

    /** One backend's step; on failure its requests (and, for the loop, every row) fail, and the loop goes on. */
    private StepOutput run(GenerationBackend backend, StepWork work, boolean loop) {
        try {
            return backend.step(work);
        } catch (RuntimeException e) {
            failStep(work, loop, EngineException.from(e));
        } catch (OutOfMemoryError e) {
            // the step's buffers (the KV cache is direct memory) did not fit: fail its rows and keep serving, rather
            // than let the loop's thread die and every later request wait for ever
            failStep(
                    work,
                    loop,
                    new EngineException(
                            ErrorCode.INFERENCE_FAILED,
                            "out of memory in a step of "
                                    + (loop ? rows.size() : work.start().size()) + " rows ("
                                    + e.getMessage()
                                    + "): lower max-batch-size, max-step-tokens or max-context, or raise"
                                    + " -XX:MaxDirectMemorySize",
                            e));
        }
        return StepOutput.NOTHING;
    }

    private void failStep(StepWork work, boolean loop, EngineException failure) {
        List<Entry> failed = new ArrayList<>();
        work.start().forEach(st -> failed.add(inFlight.get(st.request())));
        if (loop) { // the backend holds no rows after a failure
            failed.addAll(rows);
            rows.clear();
        }
        for (Entry e : failed) {
            if (e != null && inFlight.remove(e.request) != null) {
                rows.remove(e);
                fail(e, failure);
            }
        }
    }

    /** Completes what ended, fails what was stopped, tells the listener and the test hooks. Worker only. */
    private void update(Scheduled s, Executed x) {
        for (Dropped d : s.dropped()) {
            if (d.cause() == StopCause.DEADLINE) {
                fail(
                        d.entry(),
                        new EngineException(ErrorCode.DEADLINE_EXCEEDED, "deadline passed before the request started"));
            }
            listener.onStopped(d.entry().lane, d.cause(), false);
        }
        Map<PreparedRequest, Integer> generated = new IdentityHashMap<>();
        int rowsComputed = 0;
        int promptTokens = 0;
        int decodeTokens = 0;
        for (StepOutput out : x.outputs()) {
            out.stopped().forEach(st -> generated.put(st.request(), st.generated()));
            rowsComputed += out.rows();
            promptTokens += out.promptTokens();
            decodeTokens += out.decodeTokens();
            for (StepOutput.Done done : out.done()) {
                Entry e = inFlight.remove(done.request());
                if (e != null) {
                    rows.remove(e);
                    complete(e, done.result());
                    if (e.route != backends.generalIndex()
                            && e.request instanceof PreparedRequest.Generation g
                            && g.constraint() != null
                            && done.result() instanceof GenerationResult r) {
                        listener.onCheckedRow(e.lane, r.corrections(), r.inGraphRuns());
                    }
                }
            }
            handBack(out.handedBack());
        }
        List<StepPolicy.Stop> stops = s.plan().stops();
        for (int k = 0; k < stops.size(); k++) {
            Entry e = s.stopped().get(k);
            StopCause cause = stops.get(k).cause();
            inFlight.remove(e.request); // a preempted one is queued again, and starts anew
            if (cause == StopCause.DEADLINE) {
                int n = generated.getOrDefault(e.request, 0);
                fail(
                        e,
                        new EngineException(
                                ErrorCode.DEADLINE_EXCEEDED,
                                "deadline passed mid-generation after " + n + " of " + e.request.continuationTokens()
                                        + " tokens; the partial output is dropped"));
            }
            listener.onStopped(e.lane, cause, true);
        }
        if (x == Executed.NONE) {
            return;
        }
        lastStepNanos = x.nanos();
        int[] running = new int[2];
        rows.forEach(e -> running[e.lane.ordinal()]++);
        int waitingRealtime;
        int waitingBulk;
        lock.lock();
        try {
            waitingRealtime = realtime.size();
            waitingBulk = bulk.size();
        } finally {
            lock.unlock();
        }
        listener.onStep(new StepStats(
                x.nanos(),
                rowsComputed,
                promptTokens,
                decodeTokens,
                running[Lane.REALTIME.ordinal()],
                running[Lane.BULK.ordinal()],
                waitingRealtime,
                waitingBulk));
        hooks.pace(x.nanos());
        if (x.loopRan()) {
            hooks.hook().atStepBoundary(rows.size());
        }
    }

    /**
     * Queues the requests an in-graph backend gave up on again, at the head of their lanes (they have waited their
     * turn), routed to the general backend, which runs them from their prompts.
     */
    private void handBack(List<PreparedRequest> requests) {
        if (requests.isEmpty()) {
            return;
        }
        List<Entry> back = new ArrayList<>();
        for (PreparedRequest r : requests) {
            Entry e = inFlight.remove(r);
            if (e != null) {
                e.route = backends.generalIndex();
                e.prefilled = 0;
                back.add(e);
                listener.onHandedBack(e.lane);
            }
        }
        back.sort(Comparator.comparingLong((Entry e) -> e.enqueuedNanos).reversed());
        lock.lock();
        try {
            back.forEach(e -> queue(e.lane).addFirst(e));
        } finally {
            lock.unlock();
        }
    }

    private void complete(Entry e, EngineResult result) {
        EngineResult done = result.withQueuedNanos(Math.max(0, e.startedNanos - e.request.submittedNanos()));
        completions.execute(() -> {
            try {
                e.future.complete(e.as.apply(done));
            } catch (RuntimeException failure) {
                e.future.completeExceptionally(EngineException.from(failure));
            }
            listener.onFinished(e.lane, done);
            hooks.hook().completed(done);
        });
    }

    private void fail(Entry e, EngineException failure) {
        completions.execute(() -> e.future.completeExceptionally(failure));
    }

    /** Fails every request still in flight (the loop's thread is ending). */
    private void failAll(EngineException failure) {
        for (Entry e : inFlight.values()) {
            fail(e, failure);
            listener.onStopped(e.lane, StopCause.CLOSED, true);
        }
        inFlight.clear();
        rows.clear();
    }

    /**
     * Stops taking requests, fails the queued ones with {@link ErrorCode#CLOSED}, ends the running step through
     * {@link GenerationBackend#terminate()}, and waits for the loop's thread.
     */
    @Override
    public void close() {
        close(Duration.ZERO);
    }

    /** As {@link #close()}, but the running rows may finish within {@code grace} before the step is terminated. */
    public void close(Duration grace) {
        List<Entry> dropped;
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            dropped = new ArrayList<>(realtime);
            dropped.addAll(bulk);
            realtime.clear();
            bulk.clear();
            tasks.forEach(t -> t.done().completeExceptionally(new EngineException(ErrorCode.CLOSED, "engine closed")));
            tasks.clear();
            changed.signalAll();
            notFull.signalAll();
        } finally {
            lock.unlock();
        }
        EngineException closedError = new EngineException(ErrorCode.CLOSED, "engine closed before the request ran");
        dropped.forEach(e -> {
            e.future.completeExceptionally(closedError);
            listener.onStopped(e.lane, StopCause.CLOSED, false);
        });
        try {
            if (!grace.isZero()) {
                worker.join(Math.max(1, grace.toMillis()));
            }
            backends.terminate();
            hooks.hook().terminated();
            worker.join(TimeUnit.SECONDS.toMillis(30));
            completions.shutdown();
            completions.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
