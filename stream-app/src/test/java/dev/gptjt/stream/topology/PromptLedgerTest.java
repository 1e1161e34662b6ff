package dev.gptjt.stream.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.gptjt.engine.EngineConfig;
import dev.gptjt.engine.InferenceEngine;
import dev.gptjt.schema.Completion;
import dev.gptjt.schema.FailureReason;
import dev.gptjt.schema.GenerationParams;
import dev.gptjt.schema.PromptFailure;
import dev.gptjt.schema.PromptRequest;
import dev.gptjt.schema.internal.PendingPrompt;
import dev.gptjt.schema.wire.SingleObjectWireFormat;
import dev.gptjt.schema.wire.WireFormat;
import dev.gptjt.schema.wire.WireFormatUnavailableException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The processor's pending ledger, seen from outside: what the pending store holds and what the pending and parked
 * gauges count, through park, retry, forward, a redelivery and the task's close (the production topology, the real
 * engine on the fixture model).
 */
class PromptLedgerTest {
    private static final TopologySettings SETTINGS = TopologySettings.defaults();
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final WireFormat SINGLE_OBJECT = new SingleObjectWireFormat();
    private static InferenceEngine engine;

    private final SwitchableRegistry wire = new SwitchableRegistry();
    private final Gauges gauges = new Gauges();
    private TopologyTestDriver driver;
    private TestInputTopic<byte[], byte[]> prompts;
    private TestOutputTopic<byte[], byte[]> completions;
    private TestOutputTopic<byte[], byte[]> failures;
    private KeyValueStore<String, byte[]> store;

    @TempDir
    Path stateDir;

    @BeforeAll
    static void openEngine() {
        engine = InferenceEngine.open(
                EngineConfig.builder(PromptTopologyTest.models().resolve("tiny-gptj"))
                        .maxBatchSize(8)
                        .maxWait(Duration.ofMillis(5))
                        .maxQueue(64)
                        .build());
    }

    @AfterAll
    static void closeEngine() {
        engine.close();
    }

    @BeforeEach
    void start() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "gptjt-ledger-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        ResultFactory results = new ResultFactory("tiny-gptj", "sha", engine.backendName());
        driver = new TopologyTestDriver(
                PromptTopology.build(SETTINGS, engine, wire, results, Clock.systemUTC(), gauges), props);
        prompts =
                driver.createInputTopic(SETTINGS.promptsTopic(), new ByteArraySerializer(), new ByteArraySerializer());
        completions = driver.createOutputTopic(
                SETTINGS.completionsTopic(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        failures = driver.createOutputTopic(
                SETTINGS.failuresTopic(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        store = driver.getKeyValueStore(PromptTopology.PENDING_STORE);
    }

    @AfterEach
    void stop() {
        if (driver != null) {
            driver.close();
        }
    }

    @Test
    void shouldParkWhileTheRegistryIsAwayThenDecodeForwardAndForgetTheRecord() {
        wire.away = true;
        send(request("parked").build());
        assertEquals(1, storedKeys().size(), "kept as it came");
        assertEquals(1, gauges.parked.get());
        assertEquals(0, gauges.pending.get(), "not decoded: not a pending prompt yet");

        wire.away = false;
        List<Completion> answered = new ArrayList<>();
        flushUntil(() -> {
            while (!completions.isEmpty()) {
                answered.add(SINGLE_OBJECT.decode("t", completions.readValue(), Completion.class));
            }
            return !answered.isEmpty();
        });
        assertEquals("parked", answered.get(0).getId());
        assertEquals(List.of(), storedKeys(), "forwarded: out of the store");
        assertEquals(0, gauges.parked.get());
        assertEquals(0, gauges.pending.get(), "forwarded: out of the ledger");
    }

    @Test
    void shouldRealignAStateWhoseRecordDoesNotMatchInsteadOfStoppingTheStreamThread() {
        wire.away = true;
        send(request("drifted").build());
        assertEquals(List.of(keyAt(0)), storedKeys());
        // parked in the ledger, but the store now holds a decoded prompt under that key (never seen; by hand here)
        store.put(keyAt(0), storeCodec(pending("drifted", 0)));

        wire.away = false;
        List<Completion> answered = new ArrayList<>();
        flushUntil(() -> {
            while (!completions.isEmpty()) {
                answered.add(SINGLE_OBJECT.decode("t", completions.readValue(), Completion.class));
            }
            return !answered.isEmpty();
        });
        assertEquals("drifted", answered.get(0).getId(), "what the store held is served");
        assertEquals(List.of(), storedKeys());
        assertEquals(0, gauges.parked.get());
        assertEquals(0, gauges.pending.get());
    }

    @Test
    void shouldDeadLetterARefusedRecordWithoutStoringOrCountingIt() {
        send(request("refused").setReplyTopic("not.allowed").build());
        PromptFailure failure = SINGLE_OBJECT.decode("t", failures.readValue(), PromptFailure.class);
        assertEquals(FailureReason.REPLY_TOPIC_NOT_ALLOWED, failure.getReason());
        assertEquals(List.of(), storedKeys());
        assertEquals(0, gauges.pending.get());
        assertEquals(0, gauges.pendingChanges.get(), "a refused record is never counted as pending");
    }

    @Test
    void shouldCountAPromptTheSafetyScanFindsOnceAndUncountItWhenAnswered() {
        // Nothing tracks it (the scan's case): before the ledger, it was never counted, then uncounted when answered.
        store.put(keyAt(41), storeCodec(pending("untracked", 41)));
        driver.advanceWallClockTime(SETTINGS.reconcileInterval());
        assertEquals(1, gauges.pending.get(), "tracked now, as pending");
        flushUntil(() -> !completions.isEmpty());
        assertEquals(
                "untracked",
                SINGLE_OBJECT
                        .decode("t", completions.readValue(), Completion.class)
                        .getId());
        assertEquals(List.of(), storedKeys());
        assertEquals(0, gauges.pending.get(), "answered: uncounted once, as it was counted once");
    }

    @Test
    void shouldSettleAnEarlierCopyWhenItsRedeliveryIsRefused() {
        // A prompt restored from the store and resubmitted, whose record comes again after its deadline passed:
        // refused, it is answered once, by its dead letter, and its earlier copy is no longer answered too.
        store.put(keyAt(0), storeCodec(pending("again", 0)));
        driver.advanceWallClockTime(SETTINGS.reconcileInterval());
        send(request("again")
                .setDeadlineAt(Instant.now().minusSeconds(60).truncatedTo(ChronoUnit.MILLIS))
                .build());
        assertEquals(
                FailureReason.DEADLINE_EXCEEDED,
                SINGLE_OBJECT
                        .decode("t", failures.readValue(), PromptFailure.class)
                        .getReason());
        assertEquals(List.of(), storedKeys(), "answered: its key is out of the store");
        assertEquals(0, gauges.pending.get(), "answered: its key is out of the ledger");

        // A later prompt, submitted after the earlier copy: once it is answered, that copy would have been too.
        send(request("later").build());
        List<String> answered = new ArrayList<>();
        flushUntil(() -> {
            while (!completions.isEmpty()) {
                answered.add(SINGLE_OBJECT
                        .decode("t", completions.readValue(), Completion.class)
                        .getId());
            }
            return answered.contains("later");
        });
        assertEquals(List.of("later"), answered, "the refused record's earlier copy is not answered as well");
        assertTrue(failures.isEmpty(), "nor dead-lettered twice");
        assertEquals(0, gauges.pending.get());
    }

    @Test
    void shouldUncountEveryRecordWhenTheTaskCloses() {
        wire.away = true;
        send(request("parked").build());
        wire.away = false;
        send(request("queued").build());
        assertEquals(1, gauges.parked.get());
        assertEquals(1, gauges.pending.get());
        driver.close(); // the task moves away; its records stay for the next owner to count
        driver = null;
        assertEquals(0, gauges.parked.get());
        assertEquals(0, gauges.pending.get());
    }

    /** A prompt record as a producer wrote it (the producer reached the registry; the service may not). */
    private void send(PromptRequest request) {
        prompts.pipeInput(request.getId().getBytes(StandardCharsets.UTF_8), SINGLE_OBJECT.encode("p", request));
    }

    private static PromptRequest.Builder request(String id) {
        return PromptRequest.newBuilder()
                .setId(id)
                .setPrompt("Hi")
                .setParams(GenerationParams.newBuilder().setMaxNewTokens(2).build())
                .setCreatedAt(Instant.now().truncatedTo(ChronoUnit.MILLIS));
    }

    private static PendingPrompt pending(String id, long offset) {
        return PendingPrompt.newBuilder()
                .setRequest(request(id).build())
                .setTopic(SETTINGS.promptsTopic())
                .setPartition(0)
                .setOffset(offset)
                .setReceivedAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                .build();
    }

    /** The store key of the prompts topic's partition 0 at {@code offset}, as the processor keys records. */
    private static String keyAt(long offset) {
        return SETTINGS.promptsTopic() + "/0/" + offset;
    }

    private static byte[] storeCodec(SpecificRecord record) {
        return SINGLE_OBJECT.encode(PromptTopology.PENDING_STORE, record);
    }

    private List<String> storedKeys() {
        List<String> keys = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> all = store.all()) {
            all.forEachRemaining(kv -> keys.add(kv.key));
        }
        return keys;
    }

    /** Runs the flush punctuator until {@code done}; fails at the deadline. */
    private void flushUntil(BooleanSupplier done) {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("not done within " + DEADLINE);
            }
            driver.advanceWallClockTime(SETTINGS.flushInterval());
            LockSupport.parkNanos(Duration.ofMillis(2).toNanos()); // the poll's pace, leaving the cores to the engine
        }
    }

    /** The single-object format, or a registry that does not answer: every call fails as the registry format's do. */
    private static final class SwitchableRegistry implements WireFormat {
        private final WireFormat answering = new SingleObjectWireFormat();
        volatile boolean away;

        @Override
        public byte[] encode(String topic, SpecificRecord record) {
            requireRegistry();
            return answering.encode(topic, record);
        }

        @Override
        public SpecificRecord decode(String topic, byte[] bytes) {
            requireRegistry();
            return answering.decode(topic, bytes);
        }

        private void requireRegistry() {
            if (away) {
                throw new WireFormatUnavailableException("the schema registry did not answer (test)", null);
            }
        }
    }

    /** The pending and parked gauges, as the service's Micrometer binding sums them. */
    private static final class Gauges implements TopologyMetrics {
        final AtomicInteger pending = new AtomicInteger();
        final AtomicInteger pendingChanges = new AtomicInteger();
        final AtomicInteger parked = new AtomicInteger();

        @Override
        public void promptIn() {}

        @Override
        public void resultOut(String kind) {}

        @Override
        public void failure(FailureReason reason) {}

        @Override
        public void pending(int delta) {
            pending.addAndGet(delta);
            if (delta != 0) {
                pendingChanges.incrementAndGet();
            }
        }

        @Override
        public void parked(int delta) {
            parked.addAndGet(delta);
        }
    }
}
