package dev.gptjt.cli;

import dev.gptjt.engine.BatchFormation;
import dev.gptjt.engine.DecodingBackend;
import dev.gptjt.engine.EngineConfig;
import dev.gptjt.engine.ExecutionProvider;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The engine's settings as options, each declared once here and mixed into the commands that open an
 * engine; their defaults are {@link EngineConfig}'s.
 */
public final class EngineOptions {
    private EngineOptions() {}

    /** How requests are batched: {@code --max-batch-size}, {@code --max-wait}, {@code --batch-formation}. */
    public static final class Batching {
        @Option(
                names = "--max-batch-size",
                paramLabel = "N",
                defaultValue = "" + EngineConfig.DEFAULT_MAX_BATCH_SIZE,
                description = "Most requests in one batch (default: ${DEFAULT-VALUE}).")
        int maxBatchSize;

        @Option(
                names = "--max-wait",
                paramLabel = "DURATION",
                defaultValue = EngineConfig.DEFAULT_MAX_WAIT_TEXT,
                converter = Cli.DurationConverter.class,
                description =
                        "Longest the first queued request waits for others to join its batch (default: ${DEFAULT-VALUE}).")
        Duration maxWait;

        @Option(
                names = "--batch-formation",
                paramLabel = "HOW",
                defaultValue = EngineConfig.DEFAULT_BATCH_FORMATION_TEXT,
                converter = Cli.BatchFormationConverter.class,
                description = "How a batch is chosen from a longer queue: by-length (the oldest and those of nearest"
                        + " prompt-pass length; less padding) or fifo (default: ${DEFAULT-VALUE}).")
        BatchFormation formation;

        @Option(
                names = "--memory-budget",
                paramLabel = "SIZE",
                defaultValue = "auto",
                converter = Cli.MemorySizeConverter.class,
                description = "Memory the engine's plan (weights, a full batch's KV cache at the whole context,"
                        + " twice, activations) must fit, e.g. 20G; auto: the host's memory less the JVM heap (default:"
                        + " ${DEFAULT-VALUE}).")
        long memoryBudget;

        @Option(
                names = "--max-context",
                paramLabel = "N",
                defaultValue = "" + EngineConfig.MODEL_CONTEXT,
                description = "Most tokens a request may span, prompt and new tokens; 0: the model's whole context"
                        + " (default: ${DEFAULT-VALUE}).")
        int maxContext;

        public int maxBatchSize() {
            return maxBatchSize;
        }

        public Duration maxWait() {
            return maxWait;
        }

        public BatchFormation formation() {
            return formation;
        }

        /** Tokens, or {@link EngineConfig#MODEL_CONTEXT}. */
        public int maxContext() {
            return maxContext;
        }

        /** Bytes, or {@link EngineConfig#AUTO_MEMORY_BUDGET}. */
        public long memoryBudget() {
            return memoryBudget;
        }

        /** These options as the service's settings ({@code gptjt.engine.*}), for a service this command starts. */
        public Map<String, String> serviceSettings() {
            Map<String, String> settings = new LinkedHashMap<>();
            settings.put("gptjt.engine.max-batch-size", Integer.toString(maxBatchSize));
            settings.put("gptjt.engine.max-wait", maxWait.toMillis() + "ms");
            settings.put("gptjt.engine.batch-formation", formation.label());
            if (memoryBudget != EngineConfig.AUTO_MEMORY_BUDGET) {
                settings.put("gptjt.engine.memory-budget", Long.toString(memoryBudget));
            }
            if (maxContext != EngineConfig.MODEL_CONTEXT) {
                settings.put("gptjt.engine.max-context", Integer.toString(maxContext));
            }
            return settings;
        }

        /**
         * {@code config} batching as these options say, with room for {@code queued} requests waiting at once
         * (at least one batch).
         */
        public EngineConfig applyTo(EngineConfig config, int queued) {
            return config.withBatching(maxBatchSize, maxWait, Math.max(maxBatchSize, queued))
                    .withBatchFormation(formation)
                    .withMemoryBudget(memoryBudget)
                    .withMaxContext(maxContext);
        }
    }

    /** {@code --backend}: who decodes greedy requests and scores labels. */
    public static final class Backend {
        @Option(
                names = "--backend",
                paramLabel = "auto|java-loop|in-graph",
                defaultValue = EngineConfig.DEFAULT_BACKEND_TEXT,
                converter = Cli.BackendConverter.class,
                description =
                        "Who decodes greedy requests and scores labels: the Java token loop, the converted graphs,"
                                + " or auto (the classification graph where the directory has it, the greedy graph too on CUDA)"
                                + " (default: ${DEFAULT-VALUE}).")
        DecodingBackend backend;

        public DecodingBackend backend() {
            return backend;
        }
    }

    /** {@code --max-corrections}: how many corrections a constrained row decoded in-graph may take. */
    public static final class MaxCorrections {
        @Option(
                names = "--max-corrections",
                paramLabel = "N",
                defaultValue = "" + EngineConfig.DEFAULT_MAX_CORRECTIONS,
                description = "A constrained row decoded in-graph whose model's pick the shape refused more than N"
                        + " times is handed back to the Java loop, which decodes it from its prompt; a large N keeps"
                        + " every row in-graph (default: ${DEFAULT-VALUE}).")
        int maxCorrections;

        /**
         * The bound.
         *
         * @throws CliException for a negative one
         */
        public int maxCorrections() {
            if (maxCorrections < 0) {
                throw new CliException("--max-corrections: must be >= 0, got " + maxCorrections);
            }
            return maxCorrections;
        }
    }

    /** Where and how ONNX Runtime runs: {@code --provider}, {@code --device-id}, {@code --threads}. */
    public static final class Session {
        @Option(
                names = "--provider",
                paramLabel = "cpu|cuda",
                defaultValue = "cpu",
                description = "Execution provider (cuda needs the -Pgpu build) (default: ${DEFAULT-VALUE}).")
        ExecutionProvider provider;

        @Option(
                names = "--device-id",
                paramLabel = "N",
                defaultValue = "0",
                description = "CUDA device ordinal (default: ${DEFAULT-VALUE}).")
        int deviceId;

        @Mixin
        Threads threads;

        /** {@code config} on this provider, device and thread count. */
        public EngineConfig applyTo(EngineConfig config) {
            return config.toBuilder()
                    .provider(provider)
                    .deviceId(deviceId)
                    .intraOpThreads(threads.threads())
                    .build();
        }
    }

    /** {@code --threads}: ONNX Runtime's intra-op threads. */
    public static final class Threads {
        @Option(
                names = "--threads",
                paramLabel = "N",
                defaultValue = "0",
                description = "ONNX Runtime intra-op threads; 0 lets it choose (default: ${DEFAULT-VALUE}).")
        int threads;

        public int threads() {
            return threads;
        }
    }
}
