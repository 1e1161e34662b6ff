package dev.gptjt.engine;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

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
 * @param maxStepTokens    most tokens one step of the loop reads: a token per decoding row, then prompt tokens of the
 *                         rows starting; a prompt longer than what is left runs in chunks over several steps (chunked
 *                         prefill), so decoding rows keep their pace beside it. Must exceed max-batch-size
 * @param bulkMaxQueue     most {@link Lane#BULK} requests waiting; beyond it bulk submission fails with OVERLOADED
 *                         ({@code maxQueue} caps the {@link Lane#REALTIME} lane alone)
 * @param bulkAging        a bulk request waiting this long is scheduled beside realtime ones by its age, so that bulk
 *                         never starves
 * @param maxCorrections   a constrained greedy row decoded in-graph ({@link DecodingBackend}) whose model's pick was
 *                         refused by the shape this many times and needs another correction is handed to the Java
 *                         loop, which decodes it again from its prompt: past that many corrections each costing two
 *                         passes over its context, the row costs more than its steps on the loop would
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
        boolean jumpForward,
        int maxStepTokens,
        int bulkMaxQueue,
        Duration bulkAging,
        int maxCorrections) {

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
    public static final int DEFAULT_MAX_STEP_TOKENS = 2048;
    public static final int DEFAULT_BULK_MAX_QUEUE = 8192;
    public static final String DEFAULT_BULK_AGING_TEXT = "30s";
    public static final Duration DEFAULT_BULK_AGING = Duration.ofSeconds(30);
    /**
     * {@link #maxCorrections()}'s default: on an H100, GPT-JT-6B at batch 16–64, a correction (two passes over the
     * batch's contexts and a short run) costs what the Java loop's PCIe saves on an 8-token answer after 2–3
     * corrections (BENCHMARKS.md, "Constrained rows in-graph").
     */
    public static final int DEFAULT_MAX_CORRECTIONS = 3;

    public EngineConfig {
        Objects.requireNonNull(modelDir, "modelDir");
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(maxWait, "maxWait");
        Objects.requireNonNull(maxQueueAge, "maxQueueAge");
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(batchFormation, "batchFormation");
        Objects.requireNonNull(bulkAging, "bulkAging");
        List<Problem> problems = problems(
                deviceId,
                intraOpThreads,
                interOpThreads,
                maxBatchSize,
                maxWait,
                maxQueue,
                maxNewTokensCap,
                maxQueueAge,
                memoryBudget,
                maxContext,
                maxStepTokens,
                bulkMaxQueue,
                bulkAging,
                maxCorrections);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(
                    String.join("; ", problems.stream().map(Problem::toString).toList()));
        }
    }

    /** The settings a limit is checked on, as settings and command-line options spell them. */
    public enum Setting {
        DEVICE_ID("device-id"),
        INTRA_OP_THREADS("intra-op-threads"),
        INTER_OP_THREADS("inter-op-threads"),
        MAX_BATCH_SIZE("max-batch-size"),
        MAX_WAIT("max-wait"),
        MAX_QUEUE("max-queue"),
        MAX_NEW_TOKENS_CAP("max-new-tokens-cap"),
        MAX_QUEUE_AGE("max-queue-age"),
        MEMORY_BUDGET("memory-budget"),
        MAX_CONTEXT("max-context"),
        MAX_STEP_TOKENS("max-step-tokens"),
        BULK_MAX_QUEUE("bulk-max-queue"),
        BULK_AGING("bulk-aging"),
        MAX_CORRECTIONS("max-corrections");

        private final String key;

        Setting(String key) {
            this.key = key;
        }

        /** The setting's name without a prefix, e.g. {@code max-queue}. */
        public String key() {
            return key;
        }
    }

    /**
     * A broken limit: {@code rule} follows the setting's name, e.g. {@code max-queue} + {@code (4) must be >=
     * max-batch-size (16)}, so a caller with prefixed keys names the setting its own way.
     */
    public record Problem(Setting setting, String rule) {
        /** The problem with the setting named {@code name}. */
        public String describe(String name) {
            return name + " " + rule;
        }

        @Override
        public String toString() {
            return describe(setting.key());
        }
    }

    /** Every broken limit: the one place the engine's limits are checked, for the constructor and {@link Builder}. */
    private static List<Problem> problems(
            int deviceId,
            int intraOpThreads,
            int interOpThreads,
            int maxBatchSize,
            Duration maxWait,
            int maxQueue,
            int maxNewTokensCap,
            Duration maxQueueAge,
            long memoryBudget,
            int maxContext,
            int maxStepTokens,
            int bulkMaxQueue,
            Duration bulkAging,
            int maxCorrections) {
        List<Problem> problems = new ArrayList<>();
        check(problems, deviceId >= 0, Setting.DEVICE_ID, "must be >= 0");
        check(problems, intraOpThreads >= 0, Setting.INTRA_OP_THREADS, "must be >= 0");
        check(problems, interOpThreads >= 0, Setting.INTER_OP_THREADS, "must be >= 0");
        check(problems, maxBatchSize >= 1, Setting.MAX_BATCH_SIZE, "must be >= 1");
        check(problems, maxWait == null || !maxWait.isNegative(), Setting.MAX_WAIT, "must not be negative");
        check(
                problems,
                maxQueue >= maxBatchSize,
                Setting.MAX_QUEUE,
                "(" + maxQueue + ") must be >= max-batch-size (" + maxBatchSize + ")");
        check(problems, maxNewTokensCap >= 1, Setting.MAX_NEW_TOKENS_CAP, "must be >= 1");
        check(
                problems,
                maxQueueAge == null || !maxQueueAge.isNegative(),
                Setting.MAX_QUEUE_AGE,
                "must not be negative");
        check(problems, memoryBudget >= 0, Setting.MEMORY_BUDGET, "must not be negative");
        check(problems, maxContext >= 0, Setting.MAX_CONTEXT, "must not be negative");
        check(
                problems,
                maxStepTokens > maxBatchSize,
                Setting.MAX_STEP_TOKENS,
                "(" + maxStepTokens + ") must be > max-batch-size (" + maxBatchSize
                        + "): a full batch's decode tokens must leave room for a prompt");
        check(problems, bulkMaxQueue >= 1, Setting.BULK_MAX_QUEUE, "must be >= 1");
        check(
                problems,
                bulkAging == null || (!bulkAging.isNegative() && !bulkAging.isZero()),
                Setting.BULK_AGING,
                "must be positive");
        check(problems, maxCorrections >= 0, Setting.MAX_CORRECTIONS, "must be >= 0");
        return problems;
    }

    private static void check(List<Problem> problems, boolean ok, Setting setting, String rule) {
        if (!ok) {
            problems.add(new Problem(setting, rule));
        }
    }

    /** A builder on {@code modelDir} holding the defaults: CPU, ONNX Runtime's thread counts, the limits above. */
    public static Builder builder(Path modelDir) {
        return new Builder(modelDir);
    }

    /** CPU defaults for a model directory. */
    public static EngineConfig defaults(Path modelDir) {
        return builder(modelDir).build();
    }

    /** A builder holding this configuration, to change some settings of a copy. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    public EngineConfig withBatching(int maxBatchSize, Duration maxWait, int maxQueue) {
        return toBuilder()
                .maxBatchSize(maxBatchSize)
                .maxWait(maxWait)
                .maxQueue(maxQueue)
                .build();
    }

    public EngineConfig withProvider(ExecutionProvider provider, int deviceId) {
        return toBuilder().provider(provider).deviceId(deviceId).build();
    }

    public EngineConfig withThreads(int intraOpThreads, int interOpThreads) {
        return toBuilder()
                .intraOpThreads(intraOpThreads)
                .interOpThreads(interOpThreads)
                .build();
    }

    public EngineConfig withMaxNewTokensCap(int cap) {
        return toBuilder().maxNewTokensCap(cap).build();
    }

    public EngineConfig withMaxQueueAge(Duration age) {
        return toBuilder().maxQueueAge(age).build();
    }

    public EngineConfig withBackend(DecodingBackend backend) {
        return toBuilder().backend(backend).build();
    }

    public EngineConfig withSpinWait(boolean spin) {
        return toBuilder().spinWait(spin).build();
    }

    public EngineConfig withOrtProfile(Path prefix) {
        return toBuilder().ortProfile(prefix).build();
    }

    public EngineConfig withBatchFormation(BatchFormation formation) {
        return toBuilder().batchFormation(formation).build();
    }

    /** Most tokens a request may span on a model of {@code modelContext} ({@code n_positions}) tokens. */
    public int contextOn(int modelContext) {
        return maxContext == MODEL_CONTEXT ? modelContext : Math.min(maxContext, modelContext);
    }

    /** Requests of at most {@code tokens} (prompt and new tokens); {@link #MODEL_CONTEXT}: the model's context. */
    public EngineConfig withMaxContext(int tokens) {
        return toBuilder().maxContext(tokens).build();
    }

    /** A memory budget of {@code bytes} for the engine's plan; {@link #AUTO_MEMORY_BUDGET} reads it from the host. */
    public EngineConfig withMemoryBudget(long bytes) {
        return toBuilder().memoryBudget(bytes).build();
    }

    /** Constrained rows jump over the tokens their shape forces ({@code true}, the default) or step through them. */
    public EngineConfig withJumpForward(boolean on) {
        return toBuilder().jumpForward(on).build();
    }

    /** Constrained in-graph rows are handed to the Java loop after {@code corrections} corrections. */
    public EngineConfig withMaxCorrections(int corrections) {
        return toBuilder().maxCorrections(corrections).build();
    }

    /**
     * An engine configuration setting by setting, each by name: the one place the defaults are set and the only
     * caller of the record's constructor. {@link #problems()} lists what {@link #build()} would refuse.
     */
    public static final class Builder {
        private final Path modelDir;
        private ExecutionProvider provider = ExecutionProvider.CPU;
        private int deviceId = 0;
        private int intraOpThreads = 0;
        private int interOpThreads = 0;
        private int maxBatchSize = DEFAULT_MAX_BATCH_SIZE;
        private Duration maxWait = DEFAULT_MAX_WAIT;
        private int maxQueue = DEFAULT_MAX_QUEUE;
        private BatchFormation batchFormation = DEFAULT_BATCH_FORMATION;
        private int maxNewTokensCap = DEFAULT_MAX_NEW_TOKENS_CAP;
        private Duration maxQueueAge = Duration.ZERO;
        private DecodingBackend backend = DEFAULT_BACKEND;
        private boolean spinWait = true;
        private Path ortProfile;
        private long memoryBudget = AUTO_MEMORY_BUDGET;
        private int maxContext = MODEL_CONTEXT;
        private boolean jumpForward = true;
        private int maxStepTokens = DEFAULT_MAX_STEP_TOKENS;
        private int bulkMaxQueue = DEFAULT_BULK_MAX_QUEUE;
        private Duration bulkAging = DEFAULT_BULK_AGING;
        private int maxCorrections = DEFAULT_MAX_CORRECTIONS;

        private Builder(Path modelDir) {
            this.modelDir = modelDir;
        }

        private Builder(EngineConfig c) {
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
            maxStepTokens = c.maxStepTokens;
            bulkMaxQueue = c.bulkMaxQueue;
            bulkAging = c.bulkAging;
            maxCorrections = c.maxCorrections;
        }

        public Builder provider(ExecutionProvider provider) {
            this.provider = provider;
            return this;
        }

        public Builder deviceId(int deviceId) {
            this.deviceId = deviceId;
            return this;
        }

        public Builder intraOpThreads(int threads) {
            this.intraOpThreads = threads;
            return this;
        }

        public Builder interOpThreads(int threads) {
            this.interOpThreads = threads;
            return this;
        }

        public Builder maxBatchSize(int maxBatchSize) {
            this.maxBatchSize = maxBatchSize;
            return this;
        }

        public Builder maxWait(Duration maxWait) {
            this.maxWait = maxWait;
            return this;
        }

        public Builder maxQueue(int maxQueue) {
            this.maxQueue = maxQueue;
            return this;
        }

        public Builder batchFormation(BatchFormation formation) {
            this.batchFormation = formation;
            return this;
        }

        public Builder maxNewTokensCap(int cap) {
            this.maxNewTokensCap = cap;
            return this;
        }

        /** {@link Duration#ZERO}: no limit. */
        public Builder maxQueueAge(Duration age) {
            this.maxQueueAge = age;
            return this;
        }

        public Builder backend(DecodingBackend backend) {
            this.backend = backend;
            return this;
        }

        public Builder spinWait(boolean spin) {
            this.spinWait = spin;
            return this;
        }

        /** {@code null}: no profiling. */
        public Builder ortProfile(Path prefix) {
            this.ortProfile = prefix;
            return this;
        }

        /** Bytes, or {@link #AUTO_MEMORY_BUDGET}. */
        public Builder memoryBudget(long bytes) {
            this.memoryBudget = bytes;
            return this;
        }

        /** Tokens, or {@link #MODEL_CONTEXT}. */
        public Builder maxContext(int tokens) {
            this.maxContext = tokens;
            return this;
        }

        public Builder jumpForward(boolean on) {
            this.jumpForward = on;
            return this;
        }

        public Builder maxStepTokens(int tokens) {
            this.maxStepTokens = tokens;
            return this;
        }

        public Builder bulkMaxQueue(int requests) {
            this.bulkMaxQueue = requests;
            return this;
        }

        public Builder bulkAging(Duration age) {
            this.bulkAging = age;
            return this;
        }

        public Builder maxCorrections(int corrections) {
            this.maxCorrections = corrections;
            return this;
        }

        /** Every limit these settings break, each naming its {@link Setting}; empty when {@link #build} succeeds. */
        public List<Problem> problems() {
            return EngineConfig.problems(
                    deviceId,
                    intraOpThreads,
                    interOpThreads,
                    maxBatchSize,
                    maxWait,
                    maxQueue,
                    maxNewTokensCap,
                    maxQueueAge,
                    memoryBudget,
                    maxContext,
                    maxStepTokens,
                    bulkMaxQueue,
                    bulkAging,
                    maxCorrections);
        }

        /** @throws IllegalArgumentException listing every broken limit (see {@link #problems()}) */
        public EngineConfig build() {
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
                    jumpForward,
                    maxStepTokens,
                    bulkMaxQueue,
                    bulkAging,
                    maxCorrections);
        }
    }
}
