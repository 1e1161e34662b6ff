package dev.gptjt.stream.config;

import dev.gptjt.engine.BatchFormation;
import dev.gptjt.engine.DecodingBackend;
import dev.gptjt.engine.EngineConfig;
import dev.gptjt.engine.ExecutionProvider;
import dev.gptjt.schema.wire.WireFormat;
import dev.gptjt.stream.topology.CacheSettings;
import dev.gptjt.tasks.DefaultTopics;
import dev.gptjt.tasks.TaskSettings;
import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Every {@code gptjt.*} setting of the service. Kafka Streams' own settings stay under
 * {@code kafka-streams.*} and {@code quarkus.kafka-streams.*}; cross-field rules are checked by
 * {@link ConfigValidator} at start.
 */
@ConfigMapping(prefix = "gptjt")
public interface GptjtConfig {

    /** The model. */
    Model model();

    /** The shared inference engine's batching. */
    Engine engine();

    /** Topic names and how missing topics are created. */
    Topics topics();

    /** The topology's own behaviour. */
    Stream stream();

    /** Record value encoding on the topics. */
    Wire wire();

    /** The result cache: repeated requests answered once. */
    Cache cache();

    /**
     * Tasks by name ({@code gptjt.tasks.NAME.*}). The built-in ones (sentiment, tweet-hate, entities,
     * currency, data-cleaning) are defined in application.properties; add your own the same way.
     */
    Map<String, TaskSettings> tasks();

    interface Model {
        /** Optimum export directory of GPT-J (model.onnx, config.json, vocab.json, merges.txt). */
        @WithDefault("models/demo-gptj")
        Path dir();

        /** Execution provider: cpu, or cuda (needs the -Pgpu build, CUDA 12 and cuDNN 9). */
        @WithDefault("cpu")
        ExecutionProvider provider();

        /** CUDA device ordinal. */
        @WithName("device-id")
        @WithDefault("0")
        int deviceId();

        /** ONNX Runtime intra-op threads; 0 lets ONNX Runtime choose. */
        @WithName("intra-op-threads")
        @WithDefault("0")
        int intraOpThreads();

        /**
         * Let ONNX Runtime's intra-op threads spin while waiting for work. Quicker hand-offs when the
         * cores are the engine's alone; beside Kafka Streams threads (and a broker, on small hosts) the
         * spinning takes their CPU, so it is off by default.
         */
        @WithName("spin-wait")
        @WithDefault("false")
        boolean spinWait();

        /**
         * Diagnosis: ONNX Runtime profiles every run and writes its per-operator trace (Chrome-trace JSON,
         * one file per session) at {@code <prefix>_<date>.json} when the service stops. Slows every run; unset
         * in production.
         */
        @WithName("ort-profile")
        Optional<Path> ortProfile();
    }

    /** The engine's configuration from these settings (its limits checked as {@link ConfigValidator} reports them). */
    static EngineConfig engineConfig(GptjtConfig c) {
        return engineSettings(c).build();
    }

    /**
     * These settings as the engine's, each key to its builder call; what the service does not set (inter-op
     * threads) keeps the engine's default.
     */
    static EngineConfig.Builder engineSettings(GptjtConfig c) {
        Model m = c.model();
        Engine e = c.engine();
        return EngineConfig.builder(m.dir().toAbsolutePath())
                .provider(m.provider())
                .deviceId(m.deviceId())
                .intraOpThreads(m.intraOpThreads())
                .spinWait(m.spinWait())
                .ortProfile(m.ortProfile().map(Path::toAbsolutePath).orElse(null))
                .maxBatchSize(e.maxBatchSize())
                .maxWait(e.maxWait())
                .maxQueue(e.maxQueue())
                .batchFormation(e.batchFormation())
                .maxQueueAge(e.maxQueueAge())
                .memoryBudget(e.memoryBudget().map(MemorySize::asLongValue).orElse(EngineConfig.AUTO_MEMORY_BUDGET))
                .maxContext(e.maxContext().orElse(EngineConfig.MODEL_CONTEXT))
                .jumpForward(e.jumpForward())
                .maxStepTokens(e.maxStepTokens())
                .bulkMaxQueue(e.bulkMaxQueue())
                .bulkAging(e.bulkAging())
                .maxNewTokensCap(e.maxNewTokensCap())
                .backend(e.backend())
                .maxCorrections(e.maxCorrections());
    }

    /** The key of an engine setting among these settings, as a start refusal names it. */
    static String keyOf(EngineConfig.Setting setting) {
        return switch (setting) {
            case DEVICE_ID -> "gptjt.model.device-id";
            case INTRA_OP_THREADS -> "gptjt.model.intra-op-threads";
            case MAX_BATCH_SIZE -> "gptjt.engine.max-batch-size";
            case MAX_WAIT -> "gptjt.engine.max-wait";
            case MAX_QUEUE -> "gptjt.engine.max-queue";
            case MAX_NEW_TOKENS_CAP -> "gptjt.engine.max-new-tokens-cap";
            case MAX_QUEUE_AGE -> "gptjt.engine.max-queue-age";
            case MEMORY_BUDGET -> "gptjt.engine.memory-budget";
            case MAX_CONTEXT -> "gptjt.engine.max-context";
            case MAX_STEP_TOKENS -> "gptjt.engine.max-step-tokens";
            case BULK_MAX_QUEUE -> "gptjt.engine.bulk-max-queue";
            case BULK_AGING -> "gptjt.engine.bulk-aging";
            case MAX_CORRECTIONS -> "gptjt.engine.max-corrections";
            // No key sets it: it keeps the engine's default, which breaks no rule.
            case INTER_OP_THREADS -> "the engine's " + setting.key();
        };
    }

    interface Engine {
        /** Most prompts in one batch. */
        @WithName("max-batch-size")
        @WithDefault("" + EngineConfig.DEFAULT_MAX_BATCH_SIZE)
        int maxBatchSize();

        /** How long the first queued prompt waits for others to join its batch. */
        @WithName("max-wait")
        @WithDefault(EngineConfig.DEFAULT_MAX_WAIT_TEXT)
        Duration maxWait();

        /**
         * Most realtime prompts waiting in the engine across the instance; beyond it prompts wait in the store.
         */
        @WithName("max-queue")
        @WithDefault("" + EngineConfig.DEFAULT_MAX_QUEUE)
        int maxQueue();

        /**
         * How a batch is chosen when more prompts are queued than one batch holds: by-length (the oldest and,
         * from the next few batches' worth, those whose prompt passes are nearest its length, so rows pad
         * less: with the prefix cache, 1.3–1.4× fewer token slots on tweets) or fifo (the oldest, in order).
         * Results leave in completion order either way.
         */
        @WithName("batch-formation")
        @WithDefault("by-length")
        BatchFormation batchFormation();

        /** A prompt queued in the engine this long fails with DEADLINE_EXCEEDED instead of running; 0s: off. */
        @WithName("max-queue-age")
        @WithDefault("0s")
        Duration maxQueueAge();

        /** At shutdown, how long the running batch may go on before it is aborted (its prompts stay pending). */
        @WithName("shutdown-grace")
        @WithDefault("5s")
        Duration shutdownGrace();

        /**
         * Memory the engine's plan must fit, e.g. 20G: the weights (once per ONNX Runtime session), a full batch's KV
         * cache at the model's whole context twice (a step's past and present), and a full-context prompt pass's
         * activations. Unset: on cpu the host's
         * memory (the container's limit where one is set) less the JVM heap; on cuda nothing is checked (set it to
         * the GPU's memory). A plan that does not fit stops the start in one line naming max-batch-size and this.
         */
        @WithName("memory-budget")
        Optional<MemorySize> memoryBudget();

        /**
         * Most tokens a request may span, prompt and max_new_tokens (unset: the model's n_positions, 2048 for GPT-JT);
         * a longer request is a PROMPT_TOO_LONG failure. The memory plan counts the KV cache to it, so a smaller
         * context fits a larger batch in the same memory.
         */
        @WithName("max-context")
        Optional<Integer> maxContext();

        /**
         * Constrained outputs (an extract task's {@code output=spans}, a {@code pattern}) write the tokens their shape
         * forces — a separator, the rest of the only span that fits, the closing newline — in one multi-token decoder
         * pass instead of a step each. Off: a step per token.
         */
        @WithName("jump-forward")
        @WithDefault("true")
        boolean jumpForward();

        /**
         * A constrained greedy row decoded in-graph (on cuda with backend auto, or with backend in-graph) whose model's
         * pick the shape refused this many times and needs one more correction is handed to the Java loop, which
         * decodes it again from its prompt (counted in gptjt_engine_handed_back_total). A bound, because each
         * correction costs two passes over the row's context on the device: past it, the row's steps on the loop cost
         * less. 0: the first refused pick hands the row back. Must be >= 0.
         */
        @WithName("max-corrections")
        @WithDefault("" + EngineConfig.DEFAULT_MAX_CORRECTIONS)
        int maxCorrections();

        /**
         * Most tokens one step of the engine's loop reads: a token per decoding row, then prompt tokens of the prompts
         * starting. A prompt longer than what is left runs in chunks over several steps (chunked prefill), so rows
         * already decoding keep their pace beside a long prompt; the tokens are those of an unchunked pass. Must
         * exceed max-batch-size.
         */
        @WithName("max-step-tokens")
        @WithDefault("" + EngineConfig.DEFAULT_MAX_STEP_TOKENS)
        int maxStepTokens();

        /**
         * Most bulk prompts (a backfill on the bulk prompts topic, a bulk task, or a prompt asking for the bulk lane)
         * waiting in the engine; beyond it they wait in the store. The realtime lane's cap (max-queue) is apart: a
         * full bulk lane never refuses realtime prompts.
         */
        @WithName("bulk-max-queue")
        @WithDefault("" + EngineConfig.DEFAULT_BULK_MAX_QUEUE)
        int bulkMaxQueue();

        /**
         * A bulk prompt waiting this long in the engine is scheduled beside realtime ones by its age, so a steady
         * realtime load never starves the bulk lane.
         */
        @WithName("bulk-aging")
        @WithDefault(EngineConfig.DEFAULT_BULK_AGING_TEXT)
        Duration bulkAging();

        /** Largest max_new_tokens a request may ask for; larger is an INVALID_PARAMETER failure. */
        @WithName("max-new-tokens-cap")
        @WithDefault("" + EngineConfig.DEFAULT_MAX_NEW_TOKENS_CAP)
        int maxNewTokensCap();

        /**
         * Which backend decodes greedy generations and scores classifications: auto (the one-pass classification
         * graph when the model directory has classify.onnx, and on cuda in-graph GreedySearch when it has
         * greedy_search.onnx, both written by 'gptjt convert --greedy-in-graph --classify-in-graph'; else the
         * Java loop), java-loop, or in-graph (the converted graphs the directory has; refuses to start with
         * neither). Sampling and ignore_eos always run on the Java loop. Each result's model.backend says which ran it.
         */
        @WithDefault("auto")
        DecodingBackend backend();

        /**
         * Run every batch size once at start, rows joining a running batch, before reading prompts: the
         * runtime's first-time costs per shape otherwise land on the first prompts (2–4× their latency).
         */
        @WithName("warm-up")
        @WithDefault("true")
        boolean warmUp();

        /**
         * At start, run each task template's text before {input} through the model once and keep its KV
         * cache: a task's prompt pass then computes only the input and the template's tail (results equal
         * the whole prompt's; a prompt whose tokens differ at the boundary runs whole and is counted in
         * gptjt_prefix_cache_requests_total{outcome="fallback"}). Costs the cache's bytes per task (logged).
         */
        @WithName("prefix-cache")
        @WithDefault("true")
        boolean prefixCache();
    }

    interface Topics {
        /** Where PromptRequest records are read. */
        @WithDefault(DefaultTopics.PROMPTS)
        String prompts();

        /**
         * Where backfills' PromptRequest records are read (re-scoring history after a policy or model change): each
         * runs in the engine's bulk lane unless it asks for another, and a full bulk lane never holds back the
         * prompts topic's records, even on the same stream thread.
         */
        @WithName("bulk-prompts")
        @WithDefault(DefaultTopics.BULK_PROMPTS)
        String bulkPrompts();

        /** Where Completion records are written by default. */
        @WithDefault(DefaultTopics.COMPLETIONS)
        String completions();

        /** Where PromptFailure (dead-letter) records are written. */
        @WithDefault(DefaultTopics.FAILURES)
        String failures();

        /**
         * Where the decisions in a task's audit sample (gptjt.tasks.NAME.decisions.audit-fraction) are also written,
         * as Classification records with decision.audited true: what auditors of the automated decisions read.
         */
        @WithDefault(DefaultTopics.AUDIT)
        String audit();

        /**
         * Where reviewers write ReviewVerdict records (id, label, reviewer, decided_at) about the records they read on
         * a review action's topic; created at start, read by 'gptjt distill --from-topic'. The service writes none.
         */
        @WithDefault(DefaultTopics.VERDICTS)
        String verdicts();

        /** Topics a request's reply_topic may name; a request naming another is refused. */
        @WithName("allowed-reply-topics")
        Optional<Set<String>> allowedReplyTopics();

        /** Create missing topics at start. */
        @WithDefault("true")
        boolean create();

        /** Partitions of topics created at start (the prompts topic's count caps useful instances). */
        @WithDefault("6")
        int partitions();

        /** Replication factor of topics created at start. */
        @WithName("replication-factor")
        @WithDefault("1")
        short replicationFactor();
    }

    interface Stream {
        /** Wall-clock period of the punctuator that forwards finished results. */
        @WithName("flush-interval")
        @WithDefault("20ms")
        Duration flushInterval();

        /**
         * Backpressure: when the engine's realtime queue is full, the stream thread waits at most this long for
         * room before storing a realtime prompt to submit later; Kafka Streams' consumption slows to the engine's
         * pace. A bulk prompt never waits: it is stored and submitted as the bulk lane has room.
         */
        @WithName("max-block")
        @WithDefault("2s")
        Duration maxBlock();

        /** Wall-clock period of the safety scan that resubmits stored prompts nothing tracks. */
        @WithName("reconcile-interval")
        @WithDefault("10s")
        Duration reconcileInterval();

        /** Pending store kind: rocksdb or in-memory (both changelogged). */
        @WithDefault("rocksdb")
        PendingStore store();
    }

    interface Cache {
        /**
         * Answer a request that would get exactly an earlier answer (same task, input text, model sha256, task
         * definition, decoding parameters and policy version; a sampled generation never) with that answer, from a
         * changelogged store per prompts partition, marked answered_by=CACHE; identical requests running at the same
         * time share one engine row. A repeat read on another partition of this instance finds it too; one on
         * another instance's partition runs there once.
         */
        @WithDefault("true")
        boolean enabled();

        /** How long an answer is kept and sent again (1s to 7d). */
        @WithDefault(CacheSettings.DEFAULT_TTL_TEXT)
        Duration ttl();

        /** Most answers kept per prompts partition, the oldest deleted first (1 to 10000000). */
        @WithName("max-entries")
        @WithDefault("" + CacheSettings.DEFAULT_MAX_ENTRIES)
        int maxEntries();
    }

    /** The result cache's settings, as the topology takes them (bounds checked by {@link ConfigValidator}). */
    static CacheSettings cacheSettings(GptjtConfig c) {
        return new CacheSettings(c.cache().enabled(), c.cache().ttl(), c.cache().maxEntries());
    }

    interface Wire {
        /** single-object (Avro single-object encoding, no registry) or registry (Apicurio serdes, Confluent framing). */
        @WithDefault("single-object")
        WireFormat.Kind format();

        /** apicurio.registry.* settings for the registry format, e.g. url (gptjt.wire.registry.url). */
        Map<String, String> registry();
    }
}
