package dev.gptjt.stream.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptjt.engine.EngineConfig;
import dev.gptjt.engine.InferenceEngine;
import dev.gptjt.engine.testing.Await;
import dev.gptjt.engine.testing.StepGate;
import dev.gptjt.schema.Completion;
import dev.gptjt.schema.GenerationParams;
import dev.gptjt.schema.PromptRequest;
import dev.gptjt.schema.wire.SingleObjectWireFormat;
import dev.gptjt.schema.wire.WireFormat;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A full engine makes the stream thread wait for room — bounded — and loses nothing. */
class BackpressureTest {

    @Test
    void shouldWaitBoundedForRoomWhenTheEngineIsFullAndAnswerEverything(@TempDir Path state) throws Exception {
        Duration maxBlock = Duration.ofMillis(400);
        TopologySettings settings = new TopologySettings(
                "p",
                "c",
                "f",
                Set.of(),
                Duration.ofMillis(20),
                false,
                Duration.ofSeconds(10),
                Map.of(),
                maxBlock,
                "b",
                Map.of());
        // one batch of one at a time, one more queued: the third prompt finds the engine full (the gate keeps the first
        // running until all four are in, so this holds whatever the model's speed)
        EngineConfig config = EngineConfig.defaults(PromptTopologyTest.models().resolve("tiny-gptj"))
                .withBatching(1, Duration.ZERO, 1)
                .withMaxNewTokensCap(2000);
        WireFormat wire = new SingleObjectWireFormat();
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "backpressure");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
        try (StepGate gate = StepGate.shut();
                InferenceEngine engine = gate.open(config);
                TopologyTestDriver driver = new TopologyTestDriver(
                        PromptTopology.build(
                                settings,
                                engine,
                                wire,
                                new ResultFactory("tiny-gptj", "sha", engine.backendName()),
                                Clock.systemUTC()),
                        props)) {
            var in = driver.createInputTopic("p", new ByteArraySerializer(), new ByteArraySerializer());
            var out = driver.createOutputTopic("c", new ByteArrayDeserializer(), new ByteArrayDeserializer());
            long[] took = new long[4];
            for (int i = 0; i < 4; i++) {
                PromptRequest r = PromptRequest.newBuilder()
                        .setId("r" + i)
                        .setPrompt("Hi " + i) // distinct: identical texts would share one row (the result cache)
                        .setParams(GenerationParams.newBuilder()
                                .setMaxNewTokens(16)
                                .build())
                        .setCreatedAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                        .build();
                long t0 = System.nanoTime();
                in.pipeInput(wire.encode("p", r));
                took[i] = (System.nanoTime() - t0) / 1_000_000;
                if (i == 0) {
                    gate.awaitHeld(); // r0 runs, held at a step boundary until every prompt is in: the engine stays
                    // full
                }
            }
            gate.release();
            // r0 runs, r1 queues; r2 finds the engine full: the stream thread waits max-block, then stores it
            assertTrue(took[2] >= maxBlock.toMillis() - 50, "waited for room: " + took[2] + " ms");
            assertTrue(took[2] < maxBlock.toMillis() + 5_000, "the wait is bounded: " + took[2] + " ms");
            Set<String> answered = new HashSet<>();
            Await.stepping(
                    "every prompt answered",
                    Await.DEFAULT_DEADLINE,
                    () -> {
                        driver.advanceWallClockTime(Duration.ofMillis(20));
                        while (!out.isEmpty()) {
                            answered.add(wire.decode("c", out.readValue(), Completion.class)
                                    .getId());
                        }
                    },
                    () -> answered.size() == 4,
                    () -> "answered " + answered);
            assertEquals(Set.of("r0", "r1", "r2", "r3"), answered, "prompts that waited in the store are answered too");
        }
    }
}
