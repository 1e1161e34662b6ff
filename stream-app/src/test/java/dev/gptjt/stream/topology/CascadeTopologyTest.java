package dev.gptjt.stream.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptjt.engine.EngineConfig;
import dev.gptjt.engine.InferenceEngine;
import dev.gptjt.engine.testing.Await;
import dev.gptjt.schema.Classification;
import dev.gptjt.schema.PromptRequest;
import dev.gptjt.schema.internal.PendingPrompt;
import dev.gptjt.schema.wire.SingleObjectWireFormat;
import dev.gptjt.schema.wire.WireFormat;
import dev.gptjt.stream.config.Tasks;
import dev.gptjt.stream.config.TestConfig;
import dev.gptjt.tasks.TaskDefinition;
import dev.gptjt.tasks.cascade.CascadeSettings;
import dev.gptjt.testing.TweetCascade;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The production topology with a cascade on the tweet-hate task: a record the cascade is sure of is
 * answered by it ({@code model.backend} cascade), any other by the engine; audited answers are counted.
 */
class CascadeTopologyTest {
    private static final Map<String, TaskDefinition> TASKS = Tasks.fromConfig(TestConfig.load(Map.of()));
    private static final TopologySettings SETTINGS = TopologySettings.defaults().withTasks(TASKS);
    private static final String TOPIC = "gptjt.results.tweet-hate";
    private static final String SURE = TweetCascade.SURE;
    private static final String UNSEEN = TweetCascade.UNSEEN;

    @TempDir
    static Path dir;

    private static InferenceEngine engine;
    private static Path cascadeDir;
    private final WireFormat wire = new SingleObjectWireFormat();

    /** Counts what the topology reports about its cascade. */
    static final class Recorded implements TopologyMetrics {
        final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();

        int get(String key) {
            return counts.getOrDefault(key, new AtomicInteger()).get();
        }

        @Override
        public void promptIn() {}

        @Override
        public void resultOut(String kind) {}

        @Override
        public void failure(dev.gptjt.schema.FailureReason reason) {}

        @Override
        public void pending(int delta) {}

        @Override
        public void cascade(String task, boolean answered) {
            counts.computeIfAbsent(task + (answered ? "/cascade" : "/gptjt"), k -> new AtomicInteger())
                    .incrementAndGet();
        }

        @Override
        public void cascadeAudit(String task, boolean agreed) {
            counts.computeIfAbsent(task + "/audited", k -> new AtomicInteger()).incrementAndGet();
        }
    }

    @BeforeAll
    static void open() {
        engine = InferenceEngine.open(EngineConfig.defaults(
                        Path.of(System.getProperty("gptjt.models", "../models")).resolve("tiny-gptj"))
                .withBatching(8, Duration.ofMillis(5), 64));
        cascadeDir = TweetCascade.distill(
                dir.resolve("tweet-hate-cascade"), TASKS.get("tweet-hate").labels());
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    private TopologyTestDriver driver(TaskCascades cascades, Recorded metrics, Path stateDir) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "gptjt-cascade-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        ResultFactory results = new ResultFactory("tiny-gptj", "sha", engine.backendName());
        return new TopologyTestDriver(
                PromptTopology.build(SETTINGS, engine, cascades, wire, results, Clock.systemUTC(), metrics), props);
    }

    private static TaskCascades cascades(double auditFraction) {
        return TaskCascades.open(TASKS, Map.of("tweet-hate", new CascadeSettings(cascadeDir, 0.9, auditFraction)));
    }

    /**
     * Advances wall-clock time until {@code count} results have left {@code topic}, and reads them.
     *
     * @throws AssertionError when they have not within {@link Await#DEFAULT_DEADLINE}
     */
    private static List<Classification> await(
            TopologyTestDriver driver, TestOutputTopic<byte[], byte[]> topic, int count, WireFormat wire) {
        Await.stepping(
                count + " results on " + TOPIC,
                Await.DEFAULT_DEADLINE,
                () -> driver.advanceWallClockTime(SETTINGS.flushInterval()),
                () -> topic.getQueueSize() >= count,
                () -> topic.getQueueSize() + " out");
        List<Classification> out = new ArrayList<>();
        topic.readValuesToList().forEach(v -> out.add(wire.decode(TOPIC, v, Classification.class)));
        return out;
    }

    @Test
    void shouldAnswerASureRecordByTheCascadeAndAnyOtherByTheEngineAuditingTheCascadesAnswers(@TempDir Path state)
            throws Exception {
        Recorded metrics = new Recorded();
        try (TaskCascades cascades = cascades(1.0);
                TopologyTestDriver driver = driver(cascades, metrics, state)) {
            var prompts = driver.createInputTopic(
                    SETTINGS.promptsTopic(), new ByteArraySerializer(), new ByteArraySerializer());
            TestOutputTopic<byte[], byte[]> results =
                    driver.createOutputTopic(TOPIC, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            for (PromptRequest r : List.of(TweetCascade.tweet("sure", SURE), TweetCascade.tweet("unseen", UNSEEN))) {
                prompts.pipeInput(r.getId().getBytes(StandardCharsets.UTF_8), wire.encode(SETTINGS.promptsTopic(), r));
            }
            List<Classification> answers = await(driver, results, 2, wire);
            assertEquals(2, answers.size());
            Classification sure = answers.stream()
                    .filter(c -> c.getId().equals("sure"))
                    .findFirst()
                    .orElseThrow();
            Classification unseen = answers.stream()
                    .filter(c -> c.getId().equals("unseen"))
                    .findFirst()
                    .orElseThrow();
            assertEquals("cascade", sure.getModel().getBackend());
            assertEquals("tweet-hate-cascade", sure.getModel().getName());
            assertEquals(64, sure.getModel().getSha256().length());
            assertEquals("hate speech", sure.getLabel());
            assertTrue(sure.getScores().get(0).getProbability() >= 0.9, sure.toString());
            assertEquals(engine.backendName(), unseen.getModel().getBackend());
            assertNotEquals("cascade", unseen.getModel().getBackend());
            assertEquals(1, metrics.get("tweet-hate/cascade"));
            assertEquals(1, metrics.get("tweet-hate/gptjt"));
            Await.until("the engine's audit of the sure record", () -> metrics.get("tweet-hate/audited") >= 1);
            assertEquals(1, metrics.get("tweet-hate/audited"), "the sure record was audited, without a second result");
            assertTrue(results.isEmpty());
        }
    }

    @Test
    void shouldAnswerAPromptRestoredFromTheStoreThroughTheCascade(@TempDir Path state) throws Exception {
        Recorded metrics = new Recorded();
        try (TaskCascades cascades = cascades(0);
                TopologyTestDriver driver = driver(cascades, metrics, state)) {
            // what a restored changelog holds after a crash: a prompt accepted but never answered
            PendingPrompt restored = PendingPrompt.newBuilder()
                    .setRequest(TweetCascade.tweet("restored", SURE))
                    .setTopic(SETTINGS.promptsTopic())
                    .setPartition(0)
                    .setOffset(7)
                    .setReceivedAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                    .build();
            driver.<String, byte[]>getKeyValueStore(PromptTopology.PENDING_STORE)
                    .put("gptjt.prompts/0/7", wire.encode("store", restored));
            driver.advanceWallClockTime(SETTINGS.reconcileInterval());
            TestOutputTopic<byte[], byte[]> results =
                    driver.createOutputTopic(TOPIC, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            List<Classification> answers = await(driver, results, 1, wire);
            assertEquals("restored", answers.get(0).getId());
            assertEquals("cascade", answers.get(0).getModel().getBackend());
            assertEquals(0, metrics.get("tweet-hate/audited"), "audit-fraction 0 audits nothing");
        }
    }

    @Test
    void shouldRefuseAtStartAMissingOrCorruptCascadeOrOneOfOtherLabels() throws Exception {
        IllegalArgumentException missing = assertThrows(
                IllegalArgumentException.class,
                () -> TaskCascades.open(
                        TASKS, Map.of("tweet-hate", new CascadeSettings(dir.resolve("nowhere"), 0.97, 0))));
        assertTrue(
                missing.getMessage().contains("gptjt.tasks.tweet-hate.cascade.model")
                        && missing.getMessage().contains("card.json"),
                missing.getMessage());

        Path corrupt = Files.createDirectories(dir.resolve("corrupt"));
        for (String f : List.of("card.json", "features.json")) {
            Files.copy(cascadeDir.resolve(f), corrupt.resolve(f));
        }
        Files.write(corrupt.resolve("model.onnx"), new byte[] {9, 9, 9});
        IllegalArgumentException bad = assertThrows(
                IllegalArgumentException.class,
                () -> TaskCascades.open(TASKS, Map.of("tweet-hate", new CascadeSettings(corrupt, 0.97, 0))));
        assertTrue(bad.getMessage().contains("model.onnx"), bad.getMessage());

        IllegalArgumentException labels = assertThrows(
                IllegalArgumentException.class,
                () -> TaskCascades.open(TASKS, Map.of("sentiment", new CascadeSettings(cascadeDir, 0.97, 0))));
        assertTrue(
                labels.getMessage().contains("gptjt.tasks.sentiment.cascade.model")
                        && labels.getMessage().contains("distilled for labels"),
                labels.getMessage());
    }
}
