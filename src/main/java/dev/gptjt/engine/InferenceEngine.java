package dev.gptjt.engine;

import dev.gptjt.engine.model.ModelDirectory;
import dev.gptjt.engine.ort.DecoderSession;
import dev.gptjt.engine.ort.OrtTokenLoopBackend;
import dev.gptjt.engine.scheduler.BatchScheduler;
import dev.gptjt.engine.tokenizer.Gpt2Tokenizer;
import java.util.concurrent.CompletableFuture;

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
    private final GenerationBackend backend;
    private final BatchScheduler scheduler;

    private InferenceEngine(EngineConfig config, ModelDirectory model, Gpt2Tokenizer tokenizer, GenerationBackend backend,
                            BatchScheduler.BatchListener listener) {
        this.config = config;
        this.model = model;
        this.tokenizer = tokenizer;
        this.backend = backend;
        this.scheduler = new BatchScheduler(backend, config.maxBatchSize(), config.maxWait(), config.maxQueue(), listener);
    }

    /**
     * Loads the model directory and starts the scheduler.
     *
     * @throws EngineException {@link ErrorCode#MODEL_INVALID} for a missing or inconsistent model
     *     directory, {@link ErrorCode#PROVIDER_UNAVAILABLE} when the execution provider cannot start
     */
    public static InferenceEngine open(EngineConfig config) {
        return open(config, null);
    }

    /** As {@link #open(EngineConfig)}, with a listener told of every batch (for metrics). */
    public static InferenceEngine open(EngineConfig config, BatchScheduler.BatchListener listener) {
        ModelDirectory model = ModelDirectory.open(config.modelDir());
        Gpt2Tokenizer tokenizer = Gpt2Tokenizer.load(model.vocabFile(), model.mergesFile());
        DecoderSession session = DecoderSession.open(model, config);
        return new InferenceEngine(config, model, tokenizer, new OrtTokenLoopBackend(session, tokenizer), listener);
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
        PreparedRequest prepared;
        try {
            prepared = prepare(request);
        } catch (EngineException e) {
            return CompletableFuture.failedFuture(e);
        }
        return scheduler.submit(prepared);
    }

    /**
     * Validates parameters and tokenizes the prompt.
     *
     * @throws EngineException {@link ErrorCode#INVALID_PARAMETER}, {@link ErrorCode#EMPTY_PROMPT} or
     *     {@link ErrorCode#PROMPT_TOO_LONG}
     */
    public PreparedRequest prepare(GenerationRequest request) {
        GenerationParams params = request.params().validate(config.maxNewTokensCap());
        int[] ids = tokenizer.encode(request.prompt());
        if (ids.length == 0) {
            throw new EngineException(ErrorCode.EMPTY_PROMPT, "prompt is empty: it encodes to no tokens");
        }
        int context = model.config().nPositions();
        if (ids.length + params.maxNewTokens() > context) {
            throw new EngineException(ErrorCode.PROMPT_TOO_LONG, "prompt has " + ids.length + " tokens; with max_new_tokens "
                    + params.maxNewTokens() + " it exceeds the model's context of " + context + " tokens");
        }
        return new PreparedRequest(request.id(), ids, params, System.nanoTime());
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

    /** Name of the generation backend. */
    public String backendName() {
        return backend.name();
    }

    /** Requests waiting for a batch. */
    public int queued() {
        return scheduler.queued();
    }

    /**
     * Fails queued requests with {@link ErrorCode#CLOSED}, ends the running batch promptly, and frees
     * every native object. Idempotent.
     */
    @Override
    public void close() {
        scheduler.close();
        backend.close();
    }
}
