package dev.gptjt.stream.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptjt.engine.EngineConfig;
import dev.gptjt.engine.InferenceEngine;
import dev.gptjt.engine.Lane;
import dev.gptjt.engine.testing.Await;
import dev.gptjt.engine.testing.StepGate;
import dev.gptjt.schema.Completion;
import dev.gptjt.schema.GenerationParams;
import dev.gptjt.schema.Priority;
import dev.gptjt.schema.PromptRequest;
import dev.gptjt.schema.internal.PendingPrompt;
import dev.gptjt.schema.wire.SingleObjectWireFormat;
import dev.gptjt.schema.wire.WireFormat;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Realtime and bulk lanes through the production topology: a full bulk lane holds back neither realtime intake on
 * the stream thread nor realtime submission, and every bulk record is answered once its lane has room.
 */
class LaneTopologyTest {
    /** Long enough that a stream thread waiting on it would be seen; nothing here may wait on it. */
    private static final Duration MAX_BLOCK = Duration.ofSeconds(30);

    private static final TopologySettings SETTINGS = TopologySettings.defaults().withMaxBlock(MAX_BLOCK);
    private final WireFormat wire = new SingleObjectWireFormat();

    @TempDir
    Path stateDir;

    @Test
    void shouldSubmitARealtimeRecordAtOnceWhileTheBulkLaneIsFullAndAnswerEveryBulkRecordLater() {
        EngineConfig config = EngineConfig.defaults(PromptTopologyTest.models().resolve("tiny-gptj"))
                .withBatching(4, Duration.ZERO, 64);
        try (StepGate gate = StepGate.shut();
                InferenceEngine engine = gate.open(config)) {
            // The engine's contract: each lane has its own queue cap. Held to one outstanding bulk request here.
            WatchedEngine watched = new WatchedEngine(engine).capBulk(1);
            try (TopologyTestDriver driver = driver(watched)) {
                TestInputTopic<byte[], byte[]> prompts = input(driver, SETTINGS.promptsTopic());
                TestInputTopic<byte[], byte[]> bulk = input(driver, SETTINGS.bulkPromptsTopic());
                TestOutputTopic<byte[], byte[]> completions = driver.createOutputTopic(
                        SETTINGS.completionsTopic(), new ByteArrayDeserializer(), new ByteArrayDeserializer());

                send(bulk, request("b0"));
                gate.awaitHeld(); // b0 runs, held at a step boundary: the bulk lane stays full
                for (String id : List.of("b1", "b2", "b3")) {
                    send(bulk, request(id));
                }
                // a prompts-topic record asking for the bulk lane waits with them
                send(prompts, request("pb").setPriority(Priority.BULK));
                assertEquals(List.of("b0"), watched.accepted(Lane.BULK), "the bulk lane is full: the rest wait");
                assertEquals(5, count(driver.getKeyValueStore(PromptTopology.PENDING_STORE)), "stored");

                send(prompts, request("r0"));
                assertEquals(List.of("r0"), watched.accepted(Lane.REALTIME), "submitted at once, no punctuation");
                // a bulk-topic record asking for the realtime lane runs there
                send(bulk, request("br").setPriority(Priority.REALTIME));
                assertEquals(List.of("r0", "br"), watched.accepted(Lane.REALTIME));
                assertEquals(
                        List.of(Lane.REALTIME, Lane.REALTIME),
                        watched.waitedOn(),
                        "the stream thread waited for room only for realtime records, never for a bulk one");
                driver.advanceWallClockTime(SETTINGS.flushInterval());
                assertEquals(List.of("b0"), watched.accepted(Lane.BULK), "a punctuation submits no bulk either");

                gate.release();
                Set<String> answered = new HashSet<>();
                Await.stepping(
                        "every record answered",
                        Await.DEFAULT_DEADLINE,
                        () -> {
                            driver.advanceWallClockTime(SETTINGS.flushInterval());
                            while (!completions.isEmpty()) {
                                answered.add(wire.decode("c", completions.readValue(), Completion.class)
                                        .getId());
                            }
                        },
                        () -> answered.size() == 7,
                        () -> "answered " + answered + ", bulk submitted " + watched.accepted(Lane.BULK));
                assertEquals(
                        List.of("b0", "b1", "b2", "b3", "pb"),
                        watched.accepted(Lane.BULK),
                        "the bulk lane submitted in arrival order, one at a time as it had room");
                assertEquals(0, count(driver.getKeyValueStore(PromptTopology.PENDING_STORE)), "all answered");
            }
        }
    }

    @Test
    void shouldResubmitAPromptRestoredFromTheStoreInTheLaneItCameFor() {
        EngineConfig config = EngineConfig.defaults(PromptTopologyTest.models().resolve("tiny-gptj"))
                .withBatching(4, Duration.ZERO, 64);
        try (InferenceEngine engine = InferenceEngine.open(config)) {
            WatchedEngine watched = new WatchedEngine(engine);
            try (TopologyTestDriver driver = driver(watched)) {
                // what a new owner finds in the changelog: a backfill's record and a realtime one, never answered
                KeyValueStore<String, byte[]> store = driver.getKeyValueStore(PromptTopology.PENDING_STORE);
                store.put(SETTINGS.bulkPromptsTopic() + "/0/7", wire.encode("store", pending("restored-bulk", true)));
                store.put(SETTINGS.promptsTopic() + "/0/7", wire.encode("store", pending("restored-rt", false)));
                driver.advanceWallClockTime(SETTINGS.reconcileInterval());
                assertEquals(List.of("restored-bulk"), watched.accepted(Lane.BULK));
                assertEquals(List.of("restored-rt"), watched.accepted(Lane.REALTIME));
            }
        }
    }

    private static PendingPrompt pending(String id, boolean bulk) {
        return PendingPrompt.newBuilder()
                .setRequest(request(id).build())
                .setTopic(bulk ? SETTINGS.bulkPromptsTopic() : SETTINGS.promptsTopic())
                .setPartition(0)
                .setOffset(7)
                .setReceivedAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                .build();
    }

    /**
     * The same through the engine's own bulk queue cap (bulk-max-queue).
     */
    @Test
    void shouldKeepBulkRecordsInTheStoreWhileTheEnginesBulkQueueIsFullAndStillTakeRealtime() {
        EngineConfig config = EngineConfig.builder(PromptTopologyTest.models().resolve("tiny-gptj"))
                .maxBatchSize(1)
                .maxWait(Duration.ZERO)
                .maxQueue(64)
                .bulkMaxQueue(1)
                .build();
        try (StepGate gate = StepGate.shut();
                InferenceEngine engine = gate.open(config)) {
            WatchedEngine watched = new WatchedEngine(engine);
            try (TopologyTestDriver driver = driver(watched)) {
                TestInputTopic<byte[], byte[]> prompts = input(driver, SETTINGS.promptsTopic());
                TestInputTopic<byte[], byte[]> bulk = input(driver, SETTINGS.bulkPromptsTopic());
                send(bulk, request("b0"));
                gate.awaitHeld(); // b0 runs; b1 fills the bulk queue; b2 is refused and waits in the store
                send(bulk, request("b1"));
                send(bulk, request("b2"));
                assertEquals(List.of("b0", "b1"), watched.accepted(Lane.BULK));
                send(prompts, request("r0"));
                assertEquals(List.of("r0"), watched.accepted(Lane.REALTIME), "realtime is taken at once");
                assertTrue(!watched.waitedOn().contains(Lane.BULK));
            }
        }
    }

    private TopologyTestDriver driver(Inference engine) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "gptjt-lanes-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        return new TopologyTestDriver(
                PromptTopology.build(
                        SETTINGS,
                        engine,
                        TaskCascades.NONE,
                        wire,
                        new ResultFactory("tiny-gptj", "sha", "test"),
                        Clock.systemUTC(),
                        TopologyMetrics.NONE),
                props);
    }

    private static TestInputTopic<byte[], byte[]> input(TopologyTestDriver driver, String topic) {
        return driver.createInputTopic(topic, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private void send(TestInputTopic<byte[], byte[]> topic, PromptRequest.Builder request) {
        PromptRequest r = request.build();
        topic.pipeInput(r.getId().getBytes(StandardCharsets.UTF_8), wire.encode("p", r));
    }

    /** A request whose text is its own (identical texts would share one engine row through the result cache). */
    static PromptRequest.Builder request(String id) {
        return PromptRequest.newBuilder()
                .setId(id)
                .setPrompt("Hi " + id)
                .setParams(GenerationParams.newBuilder().setMaxNewTokens(4).build())
                .setCreatedAt(Instant.now().truncatedTo(ChronoUnit.MILLIS));
    }

    static int count(KeyValueStore<String, byte[]> store) {
        int n = 0;
        try (KeyValueIterator<String, byte[]> all = store.all()) {
            while (all.hasNext()) {
                all.next();
                n++;
            }
        }
        return n;
    }
}
