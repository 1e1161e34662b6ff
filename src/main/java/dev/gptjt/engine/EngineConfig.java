package dev.gptjt.engine;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * How to run the engine.
 *
 * @param modelDir         Optimum export directory (model.onnx, config.json, vocab.json, merges.txt)
 * @param provider         execution provider
 * @param deviceId         CUDA device ordinal (ignored on CPU)
 * @param intraOpThreads   ONNX Runtime intra-op threads; 0 lets ORT choose (one per physical core)
 * @param interOpThreads   ONNX Runtime inter-op threads; 0 lets ORT choose
 * @param maxBatchSize     most requests run together in one batch
 * @param maxWait          how long the scheduler holds the first queued request for others to join it
 * @param maxQueue         most requests waiting for a batch; beyond it submission fails with OVERLOADED
 * @param batchFormation   how a batch is chosen when more requests are queued than it holds
 * @param maxNewTokensCap  largest {@code max_new_tokens} a request may ask for
 * @param maxQueueAge      a request still queued this long is failed with DEADLINE_EXCEEDED instead of
 *                         started; {@link Duration#ZERO} turns the limit off
 * @param backend          which backend decodes greedy generations
 * @param spinWait         ORT's intra-op threads spin while waiting for work (ORT's default): quicker
 *                         hand-offs when the cores are the engine's alone, CPU taken from whatever runs beside it
 * @param ortProfile       when not null, ONNX Runtime profiles every run of every session and writes a
 *                         Chrome-trace JSON per session at {@code <ortProfile>_<date>.json} when it closes
 *                         (diagnosis only: it slows each run)
 * @param memoryBudget     bytes the engine's {@link MemoryPlan} must fit in ({@link #AUTO_MEMORY_BUDGET}: the
 *                         host's, see there); a plan that does not fit is refused when the engine opens
 * @param maxContext       most tokens a request may span, prompt and new tokens ({@link #MODEL_CONTEXT}: the
 *                         model's {@code n_positions}; more is refused); the memory plan counts the KV cache to it
 * @param jumpForward      constrained rows write the tokens their output's shape forces (a separator, the rest of the
 *                         only span that fits) in one multi-token decoder pass instead of a step each
 *                         ({@link dev.gptjt.engine.constraint.JumpForward}); off: a step per token, as free rows
 */
public record EngineConfig(
        Path modelDir,
        ExecutionProvider provider,
        int deviceId,
        int intraOpThreads,
        int interOpThreads,
        int maxBatchSize,
        Duration maxWait,
        int maxQueue,
        BatchFormation batchFormation,
        int maxNewTokensCap,
        Duration maxQueueAge,
        DecodingBackend backend,
        boolean spinWait,
        Path ortProfile,
        long memoryBudget,
        int maxContext,
        boolean jumpForward) {

    public static final int DEFAULT_MAX_BATCH_SIZE = 16;
    public static final Duration DEFAULT_MAX_WAIT = Duration.ofMillis(10);
    public static final int DEFAULT_MAX_QUEUE = 1024;
    /**
     * {@link #memoryBudget()}'s default: on CPU the host's memory (the container's limit where one is set) less
     * the JVM's heap; on CUDA no check (the device's memory is not visible here: set it).
     */
    public static final long AUTO_MEMORY_BUDGET = 0;
    /** {@link #maxContext()}'s default: the model's whole context ({@code n_positions}). */
    public static final int MODEL_CONTEXT = 0;
    /** {@link #DEFAULT_BATCH_FORMATION} as settings and command-line options spell it. */
    public static final String DEFAULT_BATCH_FORMATION_TEXT = "by-length";

    public static final BatchFormation DEFAULT_BATCH_FORMATION = BatchFormation.parse(DEFAULT_BATCH_FORMATION_TEXT);
    /** {@link #DEFAULT_BACKEND} as settings and command-line options spell it. */
    public static final String DEFAULT_BACKEND_TEXT = "auto";

    public static final DecodingBackend DEFAULT_BACKEND = DecodingBackend.parse(DEFAULT_BACKEND_TEXT);
    public static final int DEFAULT_MAX_NEW_TOKENS_CAP = 256;
    public static final String DEFAULT_MAX_WAIT_TEXT = "10ms";

    public EngineConfig {
        Objects.requireNonNull(modelDir, "modelDir");
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(maxWait, "maxWait");
        Objects.requireNonNull(maxQueueAge, "maxQueueAge");
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(batchFormation, "batchFormation");
        if (memoryBudget < 0) {
            throw new IllegalArgumentException("memory-budget must not be negative");
        }
        if (maxContext < 0) {
            throw new IllegalArgumentException("max-context must not be negative");
        }
        List<String> problems = problems(
                deviceId,
                intraOpThreads,
                interOpThreads,
                maxBatchSize,
                maxWait,
                maxQueue,
                maxNewTokensCap,
                maxQueueAge);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
    }

    /**
     * Every broken limit, named as the service's settings name it ({@code max-queue}, …): the one place
     * the engine's limits are checked, for this constructor and for the service's start-up check.
     */
    public static List<String> problems(
            int deviceId,
            int intraOpThreads,
            int interOpThreads,
            int maxBatchSize,
            Duration maxWait,
            int maxQueue,
            int maxNewTokensCap,
            Duration maxQueueAge) {
        List<String> problems = new ArrayList<>();
        check(problems, deviceId >= 0, "device-id must be >= 0");
        check(problems, intraOpThreads >= 0, "intra-op-threads must be >= 0");
        check(problems, interOpThreads >= 0, "inter-op-threads must be >= 0");
        check(problems, maxBatchSize >= 1, "max-batch-size must be >= 1");
        check(problems, !maxWait.isNegative(), "max-wait must not be negative");
        check(
                problems,
                maxQueue >= maxBatchSize,
                "max-queue (" + maxQueue + ") must be >= max-batch-size (" + maxBatchSize + ")");
        check(problems, maxNewTokensCap >= 1, "max-new-tokens-cap must be >= 1");
        check(problems, !maxQueueAge.isNegative(), "max-queue-age must not be negative");
        return problems;
    }

    private static void check(List<String> problems, boolean ok, String message) {
        if (!ok) {
            problems.add(message);
        }
    }

    /** CPU defaults for a model directory. */
    public static EngineConfig defaults(Path modelDir) {
        return new EngineConfig(
                modelDir,
                ExecutionProvider.CPU,
                0,
                0,
                0,
                DEFAULT_MAX_BATCH_SIZE,
                DEFAULT_MAX_WAIT,
                DEFAULT_MAX_QUEUE,
                DEFAULT_BATCH_FORMATION,
                DEFAULT_MAX_NEW_TOKENS_CAP,
                Duration.ZERO,
                DEFAULT_BACKEND,
                true,
                null,
                AUTO_MEMORY_BUDGET,
                MODEL_CONTEXT,
                true);
    }

    public EngineConfig withBatching(int maxBatchSize, Duration maxWait, int maxQueue) {
        return with(b -> {
            b.maxBatchSize = maxBatchSize;
            b.maxWait = maxWait;
            b.maxQueue = maxQueue;
        });
    }

    public EngineConfig withProvider(ExecutionProvider provider, int deviceId) {
        return with(b -> {
            b.provider = provider;
            b.deviceId = deviceId;
        });
    }

    public EngineConfig withThreads(int intraOpThreads, int interOpThreads) {
        return with(b -> {
            b.intraOpThreads = intraOpThreads;
            b.interOpThreads = interOpThreads;
        });
    }

    public EngineConfig withMaxNewTokensCap(int cap) {
        return with(b -> b.maxNewTokensCap = cap);
    }

    public EngineConfig withMaxQueueAge(Duration age) {
        return with(b -> b.maxQueueAge = age);
    }

    public EngineConfig withBackend(DecodingBackend backend) {
        return with(b -> b.backend = backend);
    }

    public EngineConfig withSpinWait(boolean spin) {
        return with(b -> b.spinWait = spin);
    }

    public EngineConfig withOrtProfile(Path prefix) {
        return with(b -> b.ortProfile = prefix);
    }

    public EngineConfig withBatchFormation(BatchFormation formation) {
        return with(b -> b.batchFormation = formation);
    }

    /** Most tokens a request may span on a model of {@code modelContext} ({@code n_positions}) tokens. */
    public int contextOn(int modelContext) {
        return maxContext == MODEL_CONTEXT ? modelContext : Math.min(maxContext, modelContext);
    }

    /** Requests of at most {@code tokens} (prompt and new tokens); {@link #MODEL_CONTEXT}: the model's context. */
    public EngineConfig withMaxContext(int tokens) {
        return with(b -> b.maxContext = tokens);
    }

    /** A memory budget of {@code bytes} for the engine's plan; {@link #AUTO_MEMORY_BUDGET} reads it from the host. */
    public EngineConfig withMemoryBudget(long bytes) {
        return with(b -> b.memoryBudget = bytes);
    }

    /** Constrained rows jump over the tokens their shape forces ({@code true}, the default) or step through them. */
    public EngineConfig withJumpForward(boolean on) {
        return with(b -> b.jumpForward = on);
    }

    /** A copy with {@code change} applied, checked as a new configuration is. */
    private EngineConfig with(Consumer<Copy> change) {
        Copy copy = new Copy(this);
        change.accept(copy);
        return copy.build();
    }

    /** This configuration's fields, to change some before building another (one place lists them all). */
    private static final class Copy {
        private final Path modelDir;
        ExecutionProvider provider;
        int deviceId;
        int intraOpThreads;
        int interOpThreads;
        int maxBatchSize;
        Duration maxWait;
        int maxQueue;
        BatchFormation batchFormation;
        int maxNewTokensCap;
        Duration maxQueueAge;
        DecodingBackend backend;
        boolean spinWait;
        Path ortProfile;
        long memoryBudget;
        int maxContext;
        boolean jumpForward;

        Copy(EngineConfig c) {
            modelDir = c.modelDir;
            provider = c.provider;
            deviceId = c.deviceId;
            intraOpThreads = c.intraOpThreads;
            interOpThreads = c.interOpThreads;
            maxBatchSize = c.maxBatchSize;
            maxWait = c.maxWait;
            maxQueue = c.maxQueue;
            batchFormation = c.batchFormation;
            maxNewTokensCap = c.maxNewTokensCap;
            maxQueueAge = c.maxQueueAge;
            backend = c.backend;
            spinWait = c.spinWait;
            ortProfile = c.ortProfile;
            memoryBudget = c.memoryBudget;
            maxContext = c.maxContext;
            jumpForward = c.jumpForward;
        }

        EngineConfig build() {
            return new EngineConfig(
                    modelDir,
                    provider,
                    deviceId,
                    intraOpThreads,
                    interOpThreads,
                    maxBatchSize,
                    maxWait,
                    maxQueue,
                    batchFormation,
                    maxNewTokensCap,
                    maxQueueAge,
                    backend,
                    spinWait,
                    ortProfile,
                    memoryBudget,
                    maxContext,
                    jumpForward);
        }
    }
}
