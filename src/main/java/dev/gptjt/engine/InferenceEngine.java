package dev.gptjt.engine;

import dev.gptjt.engine.internal.BackendFactory;
import dev.gptjt.engine.internal.Backends;
import dev.gptjt.engine.internal.Closing;
import dev.gptjt.engine.internal.GenerationBackend;
import dev.gptjt.engine.internal.LabelScores;
import dev.gptjt.engine.internal.MemoryPlanner;
import dev.gptjt.engine.internal.PreparedRequest;
import dev.gptjt.engine.internal.TestHooks;
import dev.gptjt.engine.internal.ort.RuntimeHold;
import dev.gptjt.engine.internal.scheduler.StepLoop;
import dev.gptjt.engine.internal.scheduler.StepPolicy;
import dev.gptjt.engine.model.ModelDirectory;
import dev.gptjt.engine.tokenizer.Gpt2Tokenizer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * The thread-safe engine: callers on any thread {@link #submit} requests and get futures; a
 * scheduler merges them into batches for the generation backend. One instance per process and
 * model is the intended use, shared by every caller so that their prompts batch together.
 *
 * <pre>{@code
 * try (InferenceEngine engine = InferenceEngine.open(EngineConfig.defaults(Path.of("models/tiny-gptj")))) {
 *     GenerationResult r = engine.submit(GenerationRequest.of("1", "Hello")).join();
 * }
 * }</pre>
 */
public final class InferenceEngine implements AutoCloseable {
    private final EngineConfig config;
    private final ModelDirectory model;
    private final Gpt2Tokenizer tokenizer;
    private final Backends backend;
    private final StepLoop scheduler;
    private final List<PromptPrefix> prefixes = new CopyOnWriteArrayList<>();
    private final LongAdder prefixHits = new LongAdder();
    private final LongAdder prefixFallbacks = new LongAdder();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final MemoryPlan plan;
    /** Keeps ONNX Runtime's environment alive until the backend's sessions are closed (null: none to keep). */
    private final RuntimeHold runtime;

    private InferenceEngine(
            EngineConfig config,
            ModelDirectory model,
            Gpt2Tokenizer tokenizer,
            Backends backend,
            EngineListener listener,
            MemoryPlan plan,
            RuntimeHold runtime,
            TestHooks hooks) {
        this.runtime = runtime;
        this.config = config;
        this.plan = plan;
        this.model = model;
        this.tokenizer = tokenizer;
        this.backend = backend;
        this.scheduler = new StepLoop(
                backend,
                new StepPolicy.Limits(
                        config.maxBatchSize(),
                        config.maxStepTokens(),
                        config.maxWait().toNanos(),
                        config.bulkAging().toNanos(),
                        config.batchFormation()),
                config.maxQueue(),
                config.bulkMaxQueue(),
                listener,
                hooks);
    }

    /**
     * Loads the model directory and starts the scheduler.
     *
     * <p>Greedy generations run in-graph when {@link EngineConfig#backend()} asks for it (or, for
     * {@link DecodingBackend#AUTO}, on CUDA) and the directory has {@code greedy_search.onnx};
     * classifications when it asks for it (or for {@code AUTO}) and the directory has {@code classify.onnx};
     * everything else on the Java token loop.
     *
     * @throws EngineException {@link ErrorCode#MODEL_INVALID} for a missing or inconsistent model
     *     directory (or neither {@code greedy_search.onnx} nor {@code classify.onnx} when
     *     {@link DecodingBackend#IN_GRAPH} is asked for), {@link ErrorCode#PROVIDER_UNAVAILABLE} when the execution provider cannot start,
     *     {@link ErrorCode#MEMORY_PLAN_EXCEEDED} when its {@link MemoryPlan} does not fit its budget (nothing is loaded then)
     */
    public static InferenceEngine open(EngineConfig config) {
        return open(config, null);
    }

    /** As {@link #open(EngineConfig)}, with a listener told of every batch (for metrics). */
    public static InferenceEngine open(EngineConfig config, EngineListener listener) {
        ModelDirectory model = ModelDirectory.open(config.modelDir());
        MemoryPlan plan = MemoryPlanner.plan(model, config);
        if (!plan.fits()) {
            throw new EngineException(ErrorCode.MEMORY_PLAN_EXCEEDED, plan.refusal());
        }
        Gpt2Tokenizer tokenizer = Gpt2Tokenizer.load(model.vocabFile(), model.mergesFile());
        // before any session: ORT's own shutdown hook must not be the one that frees the environment (RuntimeHold)
        // the test-only seams (StepHook, gptjt-test.step-scale): none unless a test asked
        TestHooks hooks = TestHooks.take();
        RuntimeHold runtime = RuntimeHold.take();
        Backends backend;
        try {
            backend = BackendFactory.open(model, config, tokenizer);
        } catch (RuntimeException e) {
            try {
                runtime.close();
            } catch (ReflectiveOperationException | RuntimeException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
        return new InferenceEngine(config, model, tokenizer, backend, listener, plan, runtime, hooks);
    }

    /** An engine over {@code backend}, for tests: a fake backend of the engine's own interface. */
    static InferenceEngine over(EngineConfig config, GenerationBackend backend) {
        ModelDirectory model = ModelDirectory.open(config.modelDir());
        Gpt2Tokenizer tokenizer = Gpt2Tokenizer.load(model.vocabFile(), model.mergesFile());
        return new InferenceEngine(
                config,
                model,
                tokenizer,
                Backends.of(backend),
                null,
                MemoryPlanner.plan(model, config),
                null,
                TestHooks.NONE);
    }

    /**
     * Validates and tokenizes the request on the caller's thread, then queues it. Never blocks.
     *
     * @return a future of the result; it fails with an {@link EngineException} whose code is
     *     {@link ErrorCode#INVALID_PARAMETER}, {@link ErrorCode#EMPTY_PROMPT} or
     *     {@link ErrorCode#PROMPT_TOO_LONG} (already failed on return), {@link ErrorCode#OVERLOADED}
     *     when the queue is full, {@link ErrorCode#CLOSED}, or {@link ErrorCode#INFERENCE_FAILED}
     */
    public CompletableFuture<GenerationResult> submit(GenerationRequest request) {
        return submit(request, null);
    }

    /**
     * As {@link #submit(GenerationRequest)}, not started after {@code deadline}: a request still queued
     * then fails with {@link ErrorCode#DEADLINE_EXCEEDED} (null: no deadline but the engine's max queue age).
     */
    public CompletableFuture<GenerationResult> submit(GenerationRequest request, Instant deadline) {
        return submit(request, deadline, Lane.REALTIME);
    }

    /**
     * As {@link #submit(GenerationRequest, Instant)}, queued in {@code lane}. The deadline also ends the request
     * mid-generation: its row stops at the next step and the future fails with {@link ErrorCode#DEADLINE_EXCEEDED}
     * (the tokens generated so far are dropped, and counted in the message). Cancelling the returned future
     * ({@link CompletableFuture#cancel}) takes the request out of its queue, or frees its row at the next step.
     * The future completes on the engine's completion thread, never on the one that runs the model: stages the
     * caller attaches run there.
     *
     * @return as {@link #submit(GenerationRequest)}; {@link ErrorCode#OVERLOADED} when {@code lane}'s queue is full
     */
    public CompletableFuture<GenerationResult> submit(GenerationRequest request, Instant deadline, Lane lane) {
        PreparedRequest prepared;
        try {
            prepared = withDeadline(prepare(request), deadline);
        } catch (EngineException e) {
            return CompletableFuture.failedFuture(e);
        }
        return scheduler.submit(prepared, lane, endBy(prepared, deadline), GenerationResult.class::cast);
    }

    /**
     * Validates parameters and tokenizes the prompt.
     *
     * @throws EngineException {@link ErrorCode#INVALID_PARAMETER}, {@link ErrorCode#EMPTY_PROMPT} or
     *     {@link ErrorCode#PROMPT_TOO_LONG}
     */
    private PreparedRequest.Generation prepare(GenerationRequest request) {
        GenerationParams params = request.params().validate(config.maxNewTokensCap());
        int context = context();
        String whose = context < model.config().nPositions() ? "engine's max-context" : "model's context";
        if (request.prompt().length() > maxPromptChars()) {
            // cannot fit whatever its tokens: refuse before encoding megabytes of text
            throw new EngineException(
                    ErrorCode.PROMPT_TOO_LONG,
                    "prompt has " + request.prompt().length() + " characters, more than the " + whose + " of " + context
                            + " tokens can hold");
        }
        int[] ids = tokenizer.encode(request.prompt());
        if (ids.length == 0) {
            throw new EngineException(ErrorCode.EMPTY_PROMPT, "prompt is empty: it encodes to no tokens");
        }
        if (ids.length + params.maxNewTokens() > context) {
            throw new EngineException(
                    ErrorCode.PROMPT_TOO_LONG,
                    "prompt has " + ids.length + " tokens; with max_new_tokens " + params.maxNewTokens()
                            + " it exceeds the " + whose + " of " + context + " tokens");
        }
        return new PreparedRequest.Generation(
                request.id(),
                ids,
                params,
                System.nanoTime(),
                Long.MAX_VALUE,
                cachedPrefixOf(request.prompt(), ids),
                request.constraint());
    }

    /**
     * The longest cached prefix whose text the prompt starts with, when the prompt's tokens also start
     * with the prefix's: BPE could tokenize the boundary differently than the prefix alone, and then the
     * whole prompt runs (counted in {@link PrefixStats#fallbacks()}), so that a result never depends on
     * whether a prefix was cached.
     */
    private PromptPrefix cachedPrefixOf(String prompt, int[] ids) {
        PromptPrefix best = null;
        for (PromptPrefix p : prefixes) {
            if (prompt.startsWith(p.text())
                    && (best == null || p.text().length() > best.text().length())) {
                best = p;
            }
        }
        if (best == null) {
            return null;
        }
        int n = best.tokens().length;
        if (n < ids.length && Arrays.equals(ids, 0, n, best.tokens(), 0, n)) {
            prefixHits.increment();
            return best;
        }
        prefixFallbacks.increment();
        return null;
    }

    /**
     * Computes the KV cache of {@code text}'s fixed tokens once ({@link Gpt2Tokenizer#encodeFixedPrefix}:
     * all but its last word) and keeps it for every later prompt that starts with that text — a task
     * template's text before its input. Such prompts then run only the rest of their tokens through
     * the model; their results are those of the whole prompt. Runs on the scheduler thread between
     * batches and waits for it. Asking again for the same text returns the same prefix.
     *
     * @return the cached prefix; empty when the text has no fixed tokens (one word or none) or the
     *     backend keeps no prefixes
     * @throws EngineException {@link ErrorCode#PROMPT_TOO_LONG} when the prefix leaves no room in the
     *     context, {@link ErrorCode#INFERENCE_FAILED} when ORT fails, {@link ErrorCode#CLOSED}
     */
    public Optional<PromptPrefix> cachePrefix(String text) {
        return cachePrefix(text, tokenizer.encodeFixedPrefix(text));
    }

    /** As {@link #cachePrefix(String)}, caching exactly {@code tokens} (tests use it to force a token boundary mismatch). */
    synchronized Optional<PromptPrefix> cachePrefix(String text, int[] tokens) {
        for (PromptPrefix p : prefixes) {
            if (p.text().equals(text)) {
                return Optional.of(p);
            }
        }
        if (tokens.length == 0) {
            return Optional.empty();
        }
        if (tokens.length >= model.config().nPositions()) {
            throw new EngineException(
                    ErrorCode.PROMPT_TOO_LONG,
                    "a prefix of " + tokens.length + " tokens leaves no room in the model's context of "
                            + model.config().nPositions() + " tokens");
        }
        AtomicReference<PromptPrefix.CacheState> state = new AtomicReference<>();
        scheduler.runOnWorker(() -> state.set(backend.cachePrefix(tokens)));
        if (state.get() == null) {
            return Optional.empty();
        }
        PromptPrefix prefix = new PromptPrefix(text, tokens, state.get());
        prefixes.add(prefix);
        return Optional.of(prefix);
    }

    /**
     * How requests met the cached prefixes so far.
     *
     * @param hits      requests that ran from a cached prefix
     * @param fallbacks requests whose text starts with a cached prefix's but whose tokens do not (BPE
     *                  merged across the boundary): they ran whole
     */
    public record PrefixStats(long hits, long fallbacks) {}

    public PrefixStats prefixStats() {
        return new PrefixStats(prefixHits.sum(), prefixFallbacks.sum());
    }

    /** The request's deadline on the nanoTime clock, after which it is stopped even mid-generation; none: MAX_VALUE. */
    private static long endBy(PreparedRequest r, Instant deadline) {
        return deadline == null
                ? Long.MAX_VALUE
                : r.submittedNanos() + Duration.between(Instant.now(), deadline).toNanos();
    }

    /**
     * The time it may start by: the earlier of the request's deadline and the engine's maximum queue age, on the
     * nanoTime clock.
     */
    private PreparedRequest withDeadline(PreparedRequest r, Instant deadline) {
        long nanos = Long.MAX_VALUE;
        if (deadline != null) {
            nanos = r.submittedNanos()
                    + Duration.between(Instant.now(), deadline).toNanos();
        }
        if (!config.maxQueueAge().isZero()) {
            nanos = Math.min(nanos, r.submittedNanos() + config.maxQueueAge().toNanos());
        }
        return r.withDeadline(nanos);
    }

    /**
     * Waits until the engine's queue has room, at most {@code timeout}: lets a producer of work slow
     * down to the engine's pace instead of piling up requests.
     *
     * @return true when there is room (or the engine is closed), false when the timeout passed
     */
    public boolean awaitCapacity(Duration timeout) {
        return awaitCapacity(timeout, Lane.REALTIME);
    }

    /** As {@link #awaitCapacity(Duration)}, for {@code lane}'s queue: a full bulk lane never holds realtime back. */
    public boolean awaitCapacity(Duration timeout, Lane lane) {
        return scheduler.awaitCapacity(timeout, lane);
    }

    /**
     * Scores every label of the request after its prompt, in the same batches as generations, reusing
     * the prompt's KV cache for all labels. Never blocks.
     *
     * @return a future of the result; it fails with an {@link EngineException}: {@link ErrorCode#INVALID_PARAMETER}
     *     (no labels, an empty or duplicate label), {@link ErrorCode#EMPTY_PROMPT}, {@link ErrorCode#PROMPT_TOO_LONG},
     *     {@link ErrorCode#OVERLOADED}, {@link ErrorCode#CLOSED} or {@link ErrorCode#INFERENCE_FAILED}
     */
    public CompletableFuture<ClassificationResult> classify(ClassificationRequest request) {
        return classify(request, null);
    }

    /** As {@link #classify(ClassificationRequest)}, not started after {@code deadline} (see {@link #submit(GenerationRequest, java.time.Instant)}). */
    public CompletableFuture<ClassificationResult> classify(ClassificationRequest request, Instant deadline) {
        return classify(request, deadline, Lane.REALTIME);
    }

    /** As {@link #classify(ClassificationRequest, Instant)}, queued in {@code lane} (see {@link #submit(GenerationRequest, Instant, Lane)}). */
    public CompletableFuture<ClassificationResult> classify(
            ClassificationRequest request, Instant deadline, Lane lane) {
        PreparedRequest prepared;
        int[] labelTokens;
        try {
            if (request.labels().isEmpty()) {
                throw new EngineException(ErrorCode.INVALID_PARAMETER, "a classification needs at least one label");
            }
            if (new HashSet<>(request.labels()).size() != request.labels().size()) {
                throw new EngineException(ErrorCode.INVALID_PARAMETER, "labels must be distinct");
            }
            int[][] labelIds = new int[request.labels().size()][];
            labelTokens = new int[labelIds.length];
            int longest = 0;
            for (int i = 0; i < labelIds.length; i++) {
                labelIds[i] = tokenizer.encode(request.labels().get(i));
                if (labelIds[i].length == 0) {
                    throw new EngineException(ErrorCode.INVALID_PARAMETER, "label " + i + " is empty");
                }
                labelTokens[i] = labelIds[i].length;
                longest = Math.max(longest, labelIds[i].length);
            }
            PreparedRequest.Generation generation = prepare(new GenerationRequest(
                    request.id(), request.prompt(), GenerationParams.DEFAULTS.withMaxNewTokens(longest)));
            prepared = withDeadline(generation.scoring(labelIds), deadline);
        } catch (EngineException e) {
            return CompletableFuture.failedFuture(e);
        }
        return scheduler.submit(
                prepared,
                lane,
                endBy(prepared, deadline),
                raw -> ClassificationResult.of(request, (LabelScores) raw, labelTokens));
    }

    /**
     * Characters beyond which a prompt cannot fit the context whatever its tokens: callers can refuse
     * such text before storing or encoding it.
     */
    public int maxPromptChars() {
        return (int) Math.min(Integer.MAX_VALUE, (long) context() * tokenizer.maxTokenBytes());
    }

    /** Most tokens a request may span, prompt and new tokens: the model's context, or the engine's max-context. */
    public int context() {
        return config.contextOn(model.config().nPositions());
    }

    public Gpt2Tokenizer tokenizer() {
        return tokenizer;
    }

    public ModelDirectory model() {
        return model;
    }

    public EngineConfig config() {
        return config;
    }

    /**
     * Runs every batch size up to the engine's maximum once, rows joining at each step, before real
     * requests arrive: the runtime's first-time costs per shape would otherwise land on the first
     * requests (seen: the first 30 prompts of a benchmark at 2–4× the steady latency). Runs on the
     * scheduler thread between batches; returns when done.
     *
     * @throws EngineException {@link ErrorCode#INFERENCE_FAILED} when the runtime fails, {@link ErrorCode#CLOSED}
     */
    public void warmUp() {
        scheduler.runOnWorker(() -> backend.warmUp(config.maxBatchSize()));
    }

    /** Name of the generation backend. */
    public String backendName() {
        return backend.name();
    }

    /** Total wall time the backend spent inside {@code OrtSession.run} so far. */
    public long ortNanos() {
        return backend.ortNanos();
    }

    /** What this engine needs in memory at most, checked against its budget when it opened. */
    public MemoryPlan memoryPlan() {
        return plan;
    }

    /** Requests waiting to start, in every lane. */
    public int queued() {
        return queued(Lane.REALTIME) + queued(Lane.BULK);
    }

    /** Requests waiting to start in {@code lane}. */
    public int queued(Lane lane) {
        return scheduler.queued(lane);
    }

    /**
     * Fails queued requests with {@link ErrorCode#CLOSED}, ends the running batch promptly, and frees
     * every native object. Idempotent.
     */
    @Override
    public void close() {
        close(Duration.ZERO);
    }

    /**
     * Stops taking requests and fails the queued ones with {@link ErrorCode#CLOSED}; the running batch
     * may finish within {@code grace}, after which it is aborted (its requests fail with CLOSED); then
     * every native object is freed. Idempotent.
     *
     * @throws RuntimeException when a part fails to close: the first failure, with the later ones suppressed
     *     in it; every other part is closed all the same
     */
    public void close(Duration grace) {
        if (!closed.compareAndSet(false, true)) {
            return; // the first call frees everything; ORT throws on a session closed twice
        }
        List<AutoCloseable> parts = new ArrayList<>();
        parts.add(() -> scheduler.close(grace)); // first: no batch may still run when the sessions close
        parts.add(backend::close);
        prefixes.forEach(p -> parts.add(p.state()));
        prefixes.clear();
        parts.add(runtime); // last: the environment may be freed only once no session or tensor of ours is left
        Closing.all(parts);
    }

    /** True once {@link #close} has begun. */
    public boolean isClosed() {
        return closed.get();
    }
}
