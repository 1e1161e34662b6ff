package dev.gptjt.stream.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptjt.engine.EngineConfig;
import dev.gptjt.engine.EngineListener;
import dev.gptjt.engine.InferenceEngine;
import dev.gptjt.engine.Lane;
import dev.gptjt.engine.StopCause;
import dev.gptjt.engine.testing.Await;
import dev.gptjt.engine.testing.StepGate;
import dev.gptjt.schema.Completion;
import dev.gptjt.schema.internal.PendingPrompt;
import dev.gptjt.schema.wire.SingleObjectWireFormat;
import dev.gptjt.schema.wire.WireFormat;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Work the topology no longer wants is cancelled in the engine: a task closed or revoked cancels its in-flight
 * prompts (they stay stored for the next owner), a redelivered record cancels its earlier copy, and a cancelled
 * future's result is never forwarded.
 */
class CancellationTest {
    private static final String APP = "gptjt-cancel-test";
    private static final String CHANGELOG = APP + "-" + PromptTopology.PENDING_STORE + "-changelog";
    private static final TopologySettings SETTINGS = TopologySettings.defaults();

    private final WireFormat wire = new SingleObjectWireFormat();

    @TempDir
    Path stateDir;

    /** One batch of one at a time: the first prompt runs, held by the gate, the next ones queue behind it. */
    private static EngineConfig config() {
        return EngineConfig.defaults(PromptTopologyTest.models().resolve("tiny-gptj"))
                .withBatching(1, Duration.ZERO, 8)
                .withMaxNewTokensCap(2000);
    }

    @Test
    void shouldCancelTheEngineFuturesOfItsInFlightPromptsWhenTheTaskClosesAndKeepThemStored() {
        try (StepGate gate = StepGate.shut();
                InferenceEngine engine = gate.open(config())) {
            WatchedEngine watched = new WatchedEngine(engine);
            TopologyTestDriver driver = driver(watched);
            boolean closed = false;
            try {
                TestOutputTopic<String, byte[]> changelog =
                        driver.createOutputTopic(CHANGELOG, new StringDeserializer(), new ByteArrayDeserializer());
                send(driver, "running");
                gate.awaitHeld(); // running is in the batch, queued waits behind it
                send(driver, "queued");
                assertEquals(2, changelog.readRecordsToList().size(), "both stored");
                assertFalse(watched.returned("running").isDone());
                assertFalse(watched.returned("queued").isDone());

                driver.close(); // the task is revoked (or the instance closes)
                closed = true;
                assertTrue(watched.returned("running").isCancelled(), "the running prompt's engine future");
                assertTrue(watched.returned("queued").isCancelled(), "the queued prompt's engine future");
                List<TestRecord<String, byte[]>> after = changelog.readRecordsToList();
                assertTrue(
                        after.stream().noneMatch(r -> r.value() == null),
                        "nothing deleted from the store: the next owner answers them (" + after.size() + " writes)");
            } finally {
                if (!closed) {
                    driver.close();
                }
            }
        }
    }

    /**
     * The engine frees the cancelled prompts' rows at the next step.
     */
    @Test
    void shouldStopTheRowsOfAClosedTasksPromptsWithinOneStep() {
        List<String> stopped = new CopyOnWriteArrayList<>();
        EngineListener listener = new EngineListener() {
            @Override
            public void onStopped(Lane lane, StopCause cause, boolean running) {
                stopped.add(lane.label() + "/" + cause.label() + "/" + (running ? "running" : "queued"));
            }
        };
        try (StepGate gate = StepGate.shut();
                InferenceEngine engine = gate.open(config(), listener)) {
            WatchedEngine watched = new WatchedEngine(engine);
            TopologyTestDriver driver = driver(watched);
            send(driver, "running");
            gate.awaitHeld();
            send(driver, "queued");
            driver.close(); // the task is closed: its prompts' engine work is cancelled
            gate.step(); // one step: the cancelled row is freed at it, the queued one was dropped from its queue
            gate.awaitHeld(); // that step is over
            assertEquals(List.of("realtime/cancelled/queued", "realtime/cancelled/running"), sorted(stopped));
            assertTrue(watched.returned("running").isCancelled());
        }
    }

    @Test
    void shouldCancelTheEarlierCopyOfARedeliveredRecordAndAnswerOnlyTheRedelivery() {
        try (StepGate gate = StepGate.shut();
                InferenceEngine engine = gate.open(config())) {
            WatchedEngine watched = new WatchedEngine(engine);
            try (TopologyTestDriver driver = driver(watched)) {
                // the earlier copy of the record at offset 0, restored from the changelog and resubmitted
                driver.getKeyValueStore(PromptTopology.PENDING_STORE)
                        .put(SETTINGS.promptsTopic() + "/0/0", wire.encode("store", pending("earlier", 0)));
                driver.advanceWallClockTime(SETTINGS.reconcileInterval());
                gate.awaitHeld();
                assertTrue(watched.reached("earlier"));
                send(driver, "redelivered"); // the same source position again (offset 0): it replaces the copy
                assertTrue(watched.returned("earlier").isCancelled(), "the earlier copy's engine work is cancelled");

                gate.release();
                List<String> answered = answered(driver, "redelivered");
                assertEquals(List.of("redelivered"), answered, "answered once, by the redelivery");
            }
        }
    }

    @Test
    void shouldNeverForwardTheResultOfACancelledFutureButAnswerThePromptOnce() {
        try (StepGate gate = StepGate.shut();
                InferenceEngine engine = gate.open(config())) {
            WatchedEngine watched = new WatchedEngine(engine);
            try (TopologyTestDriver driver = driver(watched)) {
                TestOutputTopic<byte[], byte[]> failures = driver.createOutputTopic(
                        SETTINGS.failuresTopic(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
                send(driver, "p");
                gate.awaitHeld();
                var first = watched.returned("p");
                first.cancel(false); // whoever cancelled it wants no answer from it
                driver.advanceWallClockTime(SETTINGS.flushInterval());
                assertTrue(failures.isEmpty(), "a cancelled future is no failure to dead-letter");
                Await.stepping(
                        "p submitted again",
                        Await.DEFAULT_DEADLINE,
                        () -> driver.advanceWallClockTime(SETTINGS.flushInterval()),
                        () -> watched.returned("p") != first,
                        () -> "");

                gate.release();
                assertEquals(List.of("p"), answered(driver, "p"), "answered once, by the engine's second run");
                assertTrue(failures.isEmpty());
            }
        }
    }

    private static List<String> sorted(List<String> items) {
        List<String> out = new ArrayList<>(items);
        out.sort(null);
        return out;
    }

    /** Flushes until {@code last} is answered, then a few more times: every completion's id, in order. */
    private List<String> answered(TopologyTestDriver driver, String last) {
        TestOutputTopic<byte[], byte[]> completions = driver.createOutputTopic(
                SETTINGS.completionsTopic(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<String> ids = new ArrayList<>();
        Runnable drain = () -> {
            driver.advanceWallClockTime(SETTINGS.flushInterval());
            while (!completions.isEmpty()) {
                ids.add(wire.decode("c", completions.readValue(), Completion.class)
                        .getId());
            }
        };
        Await.stepping(last + " answered", Await.DEFAULT_DEADLINE, drain, () -> ids.contains(last), ids::toString);
        for (int i = 0; i < 5; i++) {
            drain.run();
        }
        return ids;
    }

    private TopologyTestDriver driver(Inference engine) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, APP);
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

    private void send(TopologyTestDriver driver, String id) {
        TestInputTopic<byte[], byte[]> prompts =
                driver.createInputTopic(SETTINGS.promptsTopic(), new ByteArraySerializer(), new ByteArraySerializer());
        prompts.pipeInput(
                id.getBytes(StandardCharsets.UTF_8),
                wire.encode("p", LaneTopologyTest.request(id).build()));
    }

    private static PendingPrompt pending(String id, long offset) {
        return PendingPrompt.newBuilder()
                .setRequest(LaneTopologyTest.request(id).build())
                .setTopic(SETTINGS.promptsTopic())
                .setPartition(0)
                .setOffset(offset)
                .setHeaders(List.of())
                .setReceivedAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                .build();
    }
}
