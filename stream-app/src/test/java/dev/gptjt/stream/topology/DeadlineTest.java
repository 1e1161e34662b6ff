package dev.gptjt.stream.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptjt.engine.EngineConfig;
import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.ErrorCode;
import dev.gptjt.engine.InferenceEngine;
import dev.gptjt.engine.testing.Await;
import dev.gptjt.engine.testing.StepGate;
import dev.gptjt.schema.FailureReason;
import dev.gptjt.schema.GenerationParams;
import dev.gptjt.schema.PromptFailure;
import dev.gptjt.schema.wire.SingleObjectWireFormat;
import dev.gptjt.schema.wire.WireFormat;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A deadline that passes while the prompt is generating: a DEADLINE_EXCEEDED dead letter that says so. */
class DeadlineTest {
    private static final TopologySettings SETTINGS = TopologySettings.defaults();

    @TempDir
    Path stateDir;

    @Test
    void shouldSayARowWasStoppedMidGenerationAndItsPartialOutputDropped() {
        Rejection r = PromptProcessor.rejection(
                new EngineException(ErrorCode.DEADLINE_EXCEEDED, "deadline passed after 3 of 16 tokens"));
        assertEquals(FailureReason.DEADLINE_EXCEEDED, r.reason());
        assertTrue(r.message().startsWith("stopped mid-generation: deadline passed after 3 of 16 tokens"), r.message());
        assertTrue(r.message().contains("dropped, not sent"), r.message());
    }

    @Test
    void shouldKeepTheEnginesWordsForADeadlineThatPassedInTheQueue() {
        Rejection r = PromptProcessor.rejection(
                new EngineException(ErrorCode.DEADLINE_EXCEEDED, "deadline passed before the request started"));
        assertEquals(FailureReason.DEADLINE_EXCEEDED, r.reason());
        assertEquals("deadline passed before the request started", r.message());
    }

    /**
     * Through the topology: the engine stops the held prompt's row at the next step once its deadline passed.
     */
    @Test
    void shouldDeadLetterAPromptWhoseDeadlinePassesWhileItGenerates() {
        WireFormat wire = new SingleObjectWireFormat();
        EngineConfig config = EngineConfig.defaults(PromptTopologyTest.models().resolve("tiny-gptj"))
                .withBatching(1, Duration.ZERO, 8)
                .withMaxNewTokensCap(2000);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "gptjt-deadline-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        try (StepGate gate = StepGate.shut();
                InferenceEngine engine = gate.open(config);
                TopologyTestDriver driver = new TopologyTestDriver(
                        PromptTopology.build(
                                SETTINGS,
                                engine,
                                wire,
                                new ResultFactory("tiny-gptj", "sha", engine.backendName()),
                                Clock.systemUTC()),
                        props)) {
            TestOutputTopic<byte[], byte[]> failures = driver.createOutputTopic(
                    SETTINGS.failuresTopic(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
            Instant deadline = Instant.now().plusSeconds(2).truncatedTo(ChronoUnit.MILLIS);
            driver.createInputTopic(SETTINGS.promptsTopic(), new ByteArraySerializer(), new ByteArraySerializer())
                    .pipeInput(
                            "late".getBytes(StandardCharsets.UTF_8),
                            wire.encode(
                                    "p",
                                    LaneTopologyTest.request("late")
                                            .setParams(GenerationParams.newBuilder()
                                                    .setMaxNewTokens(64)
                                                    .build())
                                            .setDeadlineAt(deadline)
                                            .build()));
            gate.awaitHeld(); // generating, held at a step boundary
            Await.until("the deadline passes", () -> Instant.now().isAfter(deadline));
            gate.step(); // the row ends at this step
            gate.release();
            Await.stepping(
                    "the dead letter",
                    Await.DEFAULT_DEADLINE,
                    () -> driver.advanceWallClockTime(SETTINGS.flushInterval()),
                    () -> !failures.isEmpty(),
                    () -> "");
            PromptFailure f = wire.decode("f", failures.readValue(), PromptFailure.class);
            assertEquals(FailureReason.DEADLINE_EXCEEDED, f.getReason());
            assertTrue(f.getMessage().contains("stopped mid-generation"), f.getMessage());
        }
    }
}
