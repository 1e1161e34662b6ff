package dev.gptjt.stream.topology;

import dev.gptjt.engine.InferenceEngine;
import dev.gptjt.schema.wire.WireFormat;
import java.time.Clock;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.Stores;

/**
 * The service's topology, built by a plain method so tests build exactly what production runs.
 *
 * <pre>
 *   prompts ─────┐
 *   bulk-prompts ┴▶ [intake: decode, validate, put in pending store, submit to engine in the record's lane]
 *                        │  (wall-clock punctuator: forward finished results, delete from store)
 *                        ▼
 *                  [results sink] ──▶ completions | allowed reply_topic | failures
 *                                     └─▶ a decided Classification also to its action's topic, and to the audit
 *                                         topic when the audit sample picks its id ({@link ResultRouting})
 *
 *   pending store: changelogged; keyed by the prompt's source position, so a redelivered record
 *   replaces its own entry; restored entries are resubmitted when the task starts.
 *   result store (the cache, when on): changelogged; keyed by what decides an answer (ResultKey), bounded by
 *   TTL and entries; a repeat is answered from it (or from another local task's) without the engine.
 * </pre>
 *
 * <p>Both prompts topics feed the one intake: partition N of each is one task, with one store, so a record is keyed
 * and kept alike wherever it came from; which topic it came from is one of the words on its lane ({@link Lanes}).
 */
public final class PromptTopology {
    public static final String SOURCE = "prompts";
    public static final String BULK_SOURCE = "bulk-prompts";
    public static final String INTAKE = "intake";
    public static final String SINK = "results";
    public static final String PENDING_STORE = "gptjt-pending";
    /** The result cache's store (changelogged; only with the cache on). */
    public static final String RESULT_STORE = "gptjt-results";

    private PromptTopology() {}

    public static Topology build(
            TopologySettings settings, InferenceEngine engine, WireFormat wire, ResultFactory results, Clock clock) {
        return build(settings, engine, wire, results, clock, TopologyMetrics.NONE);
    }

    public static Topology build(
            TopologySettings settings,
            InferenceEngine engine,
            WireFormat wire,
            ResultFactory results,
            Clock clock,
            TopologyMetrics metrics) {
        return build(settings, engine, TaskCascades.NONE, wire, results, clock, metrics);
    }

    /** The topology with tasks answered first by their cascades. */
    public static Topology build(
            TopologySettings settings,
            InferenceEngine engine,
            TaskCascades cascades,
            WireFormat wire,
            ResultFactory results,
            Clock clock,
            TopologyMetrics metrics) {
        return build(settings, engine, cascades, wire, results, clock, metrics, new SharedResults());
    }

    /** The topology whose result caches {@code shared} joins with the instance's other tasks' (one per instance). */
    public static Topology build(
            TopologySettings settings,
            InferenceEngine engine,
            TaskCascades cascades,
            WireFormat wire,
            ResultFactory results,
            Clock clock,
            TopologyMetrics metrics,
            SharedResults shared) {
        return build(settings, Inference.of(engine), cascades, wire, results, clock, metrics, shared);
    }

    /** The topology over {@code engine} as the topology sees it (a test's wrapper of the real engine). */
    static Topology build(
            TopologySettings settings,
            Inference engine,
            TaskCascades cascades,
            WireFormat wire,
            ResultFactory results,
            Clock clock,
            TopologyMetrics metrics) {
        return build(settings, engine, cascades, wire, results, clock, metrics, new SharedResults());
    }

    /** As above, its result caches joined in {@code shared}. */
    static Topology build(
            TopologySettings settings,
            Inference engine,
            TaskCascades cascades,
            WireFormat wire,
            ResultFactory results,
            Clock clock,
            TopologyMetrics metrics,
            SharedResults shared) {
        KeyValueBytesStoreSupplier supplier = settings.persistentStore()
                ? Stores.persistentKeyValueStore(PENDING_STORE)
                : Stores.inMemoryKeyValueStore(PENDING_STORE);
        Serializer<Outbound> valueSerializer = (topic, outbound) -> outbound == null ? null : outbound.value();
        Topology topology = new Topology()
                .addSource(
                        SOURCE,
                        Serdes.ByteArray().deserializer(),
                        Serdes.ByteArray().deserializer(),
                        settings.promptsTopic())
                .addSource(
                        BULK_SOURCE,
                        Serdes.ByteArray().deserializer(),
                        Serdes.ByteArray().deserializer(),
                        settings.bulkPromptsTopic())
                .addProcessor(
                        INTAKE,
                        () -> new PromptProcessor(settings, engine, cascades, wire, results, clock, metrics, shared),
                        SOURCE,
                        BULK_SOURCE)
                .addStateStore(
                        Stores.keyValueStoreBuilder(supplier, Serdes.String(), Serdes.ByteArray())
                                .withLoggingEnabled(Map.of()),
                        INTAKE)
                .addSink(
                        SINK,
                        (key, value, context) -> value.topic(),
                        Serdes.ByteArray().serializer(),
                        valueSerializer,
                        INTAKE);
        if (settings.cache().enabled()) {
            KeyValueBytesStoreSupplier cache = settings.persistentStore()
                    ? Stores.persistentKeyValueStore(RESULT_STORE)
                    : Stores.inMemoryKeyValueStore(RESULT_STORE);
            topology.addStateStore(
                    Stores.keyValueStoreBuilder(cache, Serdes.String(), Serdes.ByteArray())
                            .withLoggingEnabled(Map.of()),
                    INTAKE);
        }
        return topology;
    }
}
