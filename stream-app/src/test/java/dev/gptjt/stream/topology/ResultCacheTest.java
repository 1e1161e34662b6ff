package dev.gptjt.stream.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptjt.engine.EngineConfig;
import dev.gptjt.engine.InferenceEngine;
import dev.gptjt.engine.Lane;
import dev.gptjt.engine.testing.StepGate;
import dev.gptjt.schema.AnswerPath;
import dev.gptjt.schema.Classification;
import dev.gptjt.schema.Completion;
import dev.gptjt.schema.GenerationParams;
import dev.gptjt.schema.PromptRequest;
import dev.gptjt.schema.wire.SingleObjectWireFormat;
import dev.gptjt.schema.wire.WireFormat;
import dev.gptjt.stream.config.Tasks;
import dev.gptjt.stream.config.TestConfig;
import dev.gptjt.tasks.DefaultTopics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The result cache in the production topology (TopologyTestDriver, the real engine on the fixture model). */
class ResultCacheTest {
    private static final TopologySettings SETTINGS =
            TopologySettings.defaults().withTasks(Tasks.fromConfig(TestConfig.load(Map.of())));
    private static final String SENTIMENT = "gptjt.results.sentiment";
    private static InferenceEngine engine;
    private static final StepGate engineGate = StepGate.open();

    private final WireFormat wire = new SingleObjectWireFormat();
    private final SettableClock clock = new SettableClock();

    @TempDir
    Path stateDir;

    private TopologyTestDriver driver;
    private WatchedEngine watched;
    private TestInputTopic<byte[], byte[]> prompts;

    @BeforeAll
    static void openEngine() {
        engine = engineGate.open(
                EngineConfig.defaults(PromptTopologyTest.models().resolve("tiny-gptj"))
                        .withBatching(8, Duration.ofMillis(5), 64));
    }

    @AfterAll
    static void closeEngine() {
        engine.close();
    }

    @AfterEach
    void stop() {
        if (driver != null) {
            driver.close();
        }
    }

    private void start(TopologySettings settings) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "gptjt-cache-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        watched = new WatchedEngine(engine);
        driver = new TopologyTestDriver(
                PromptTopology.build(
                        settings,
                        watched,
                        TaskCascades.NONE,
                        wire,
                        new ResultFactory("tiny-gptj", "sha-of-tiny", engine.backendName()),
                        clock,
                        TopologyMetrics.NONE),
                props);
        prompts =
                driver.createInputTopic(settings.promptsTopic(), new ByteArraySerializer(), new ByteArraySerializer());
    }

    private TestOutputTopic<byte[], byte[]> output(String topic) {
        return driver.createOutputTopic(topic, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private void send(PromptRequest.Builder request) {
        PromptRequest r = request.build();
        prompts.pipeInput(r.getId().getBytes(StandardCharsets.UTF_8), wire.encode("p", r));
    }

    private static PromptRequest.Builder classify(String id, String text) {
        return PromptRequest.newBuilder()
                .setId(id)
                .setTask("sentiment")
                .setPrompt(text)
                .setCreatedAt(Instant.now().truncatedTo(ChronoUnit.MILLIS));
    }

    private static PromptRequest.Builder generate(String id, String text) {
        return PromptRequest.newBuilder()
                .setId(id)
                .setPrompt(text)
                .setParams(GenerationParams.newBuilder().setMaxNewTokens(6).build())
                .setCreatedAt(Instant.now().truncatedTo(ChronoUnit.MILLIS));
    }

    private Classification readClassification(TestOutputTopic<byte[], byte[]> topic) {
        return wire.decode("t", topic.readValue(), Classification.class);
    }

    @Test
    void shouldAnswerARepeatFromTheCacheWithTheModelsAnswerAndNotRunIt() {
        start(SETTINGS);
        TestOutputTopic<byte[], byte[]> results = output(SENTIMENT);
        send(classify("a1", "what a lovely day"));
        PromptTopologyTest.flushUntil(driver, 1, results);
        Classification first = readClassification(results);

        send(classify("a2", "what a lovely day").setAttributes(Map.of("source", "retweet")));
        PromptTopologyTest.flushUntil(driver, 1, results);
        Classification again = readClassification(results);

        assertEquals(List.of("a1"), watched.accepted(Lane.REALTIME), "only the first ran");
        assertEquals(AnswerPath.MODEL, first.getAnsweredBy());
        assertEquals(AnswerPath.CACHE, again.getAnsweredBy());
        assertEquals("a2", again.getId());
        assertEquals(Map.of("source", "retweet"), again.getAttributes());
        assertEquals(first.getLabel(), again.getLabel());
        assertEquals(first.getScores(), again.getScores());
        assertEquals(first.getModel(), again.getModel());
        assertEquals(first.getTemplateSha256(), again.getTemplateSha256());
        assertEquals(0, again.getInferenceMs());
    }

    @Test
    void shouldLetIdenticalRequestsInFlightShareOneEngineRow() {
        start(SETTINGS);
        TestOutputTopic<byte[], byte[]> completions = output(SETTINGS.completionsTopic());
        send(generate("g1", "Once upon a time"));
        send(generate("g2", "Once upon a time")); // while g1 runs: no answer kept yet
        send(generate("g3", "Once upon a midnight")); // another text runs on its own
        PromptTopologyTest.flushUntil(driver, 3, completions);
        Map<String, Completion> byId = new java.util.HashMap<>();
        completions.readValuesToList().forEach(v -> {
            Completion c = wire.decode("t", v, Completion.class);
            byId.put(c.getId(), c);
        });
        assertEquals(List.of("g1", "g3"), watched.accepted(Lane.REALTIME));
        assertEquals(byId.get("g1").getText(), byId.get("g2").getText());
        assertEquals(AnswerPath.MODEL, byId.get("g1").getAnsweredBy());
        assertEquals(AnswerPath.CACHE, byId.get("g2").getAnsweredBy());
        assertEquals(AnswerPath.MODEL, byId.get("g3").getAnsweredBy());
    }

    @Test
    void shouldRunEverySampledGenerationAndLeaveItOutOfTheCache() {
        start(SETTINGS);
        TestOutputTopic<byte[], byte[]> completions = output(SETTINGS.completionsTopic());
        GenerationParams sampled = GenerationParams.newBuilder()
                .setMaxNewTokens(4)
                .setTemperature(0.8)
                .setTopK(0)
                .setSeed(7L)
                .build();
        send(generate("s1", "Once upon a time").setParams(sampled));
        PromptTopologyTest.flushUntil(driver, 1, completions);
        send(generate("s2", "Once upon a time").setParams(sampled));
        PromptTopologyTest.flushUntil(driver, 2, completions);
        assertEquals(List.of("s1", "s2"), watched.accepted(Lane.REALTIME));
        assertEquals(0, count(driver.getKeyValueStore(PromptTopology.RESULT_STORE)));
    }

    @Test
    void shouldKeepTheStoreWithinItsEntryBoundAndTtl() {
        Duration ttl = Duration.ofMinutes(1);
        start(SETTINGS.withCache(new CacheSettings(true, ttl, 3)));
        TestOutputTopic<byte[], byte[]> results = output(SENTIMENT);
        KeyValueStore<String, byte[]> store = driver.getKeyValueStore(PromptTopology.RESULT_STORE);
        for (int i = 0; i < 5; i++) {
            send(classify("d" + i, "text number " + i));
            PromptTopologyTest.flushUntil(driver, 1, results);
            results.readValue();
            clock.advance(Duration.ofSeconds(1));
            assertTrue(count(store) <= 3, () -> count(store) + " answers kept, bound 3");
        }
        assertEquals(3, count(store));
        send(classify("d0-again", "text number 0")); // the oldest was evicted: it runs again
        send(classify("d4-again", "text number 4")); // the newest is kept
        PromptTopologyTest.flushUntil(driver, 2, results);
        assertEquals(List.of("d0", "d1", "d2", "d3", "d4", "d0-again"), watched.accepted(Lane.REALTIME));

        clock.advance(ttl);
        driver.advanceWallClockTime(SETTINGS.flushInterval());
        assertEquals(0, count(store), "every answer is older than the TTL: deleted at the next punctuation");
        send(classify("d4-late", "text number 4"));
        PromptTopologyTest.flushUntil(driver, 3, results);
        assertEquals("d4-late", watched.accepted(Lane.REALTIME).get(6));
    }

    @Test
    void shouldDecideAndRouteACachedAnswerAsTheModelsWithItsOwnAuditPick() {
        var config = TestConfig.load(Map.of("gptjt.tasks.tweet-hate.decisions.audit-fraction", "0.5"));
        var policies = Tasks.policiesFromConfig(config);
        start(SETTINGS.withTasks(Tasks.fromConfig(config)).withPolicies(policies, DefaultTopics.AUDIT));
        TestOutputTopic<byte[], byte[]> results = output("gptjt.results.tweet-hate");
        send(classify("h0", "the train was late again").setTask("tweet-hate"));
        PromptTopologyTest.flushUntil(driver, 1, results);
        Classification first = readClassification(results);
        String action = first.getDecision().getAction();
        TestOutputTopic<byte[], byte[]> actionTopic = output(DefaultTopics.decisions("tweet-hate", action));
        TestOutputTopic<byte[], byte[]> audit = output(DefaultTopics.AUDIT);
        actionTopic.readValuesToList();
        audit.readValuesToList();
        var sampler = policies.get("tweet-hate");
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 1; i <= 8; i++) {
            ids.add("h" + i);
            send(classify("h" + i, "the train was late again").setTask("tweet-hate"));
        }
        PromptTopologyTest.flushUntil(driver, 8, results);
        assertEquals(List.of("h0"), watched.accepted(Lane.REALTIME), "the repeats ran nothing");
        for (byte[] v : results.readValuesToList()) {
            Classification again = wire.decode("t", v, Classification.class);
            assertEquals(AnswerPath.CACHE, again.getAnsweredBy());
            assertEquals(first.getDecision().getAction(), again.getDecision().getAction());
            assertEquals(first.getPolicyVersion(), again.getPolicyVersion());
        }
        assertEquals(
                ids,
                actionTopic.readValuesToList().stream()
                        .map(v -> wire.decode("t", v, Classification.class).getId())
                        .toList());
        List<String> audited = audit.readValuesToList().stream()
                .map(v -> wire.decode("t", v, Classification.class).getId())
                .toList();
        assertEquals(ids.stream().filter(id -> sampler.audited(id)).toList(), audited, "each picked by its own id");
    }

    @Test
    void shouldRunEveryRepeatWithTheCacheOff() {
        start(SETTINGS.withCache(CacheSettings.OFF));
        TestOutputTopic<byte[], byte[]> results = output(SENTIMENT);
        send(classify("o1", "same text"));
        send(classify("o2", "same text"));
        PromptTopologyTest.flushUntil(driver, 2, results);
        assertEquals(List.of("o1", "o2"), watched.accepted(Lane.REALTIME));
        results.readValuesToList()
                .forEach(v -> assertEquals(
                        AnswerPath.MODEL,
                        wire.decode("t", v, Classification.class).getAnsweredBy()));
    }

    private static int count(KeyValueStore<String, byte[]> store) {
        return LaneTopologyTest.count(store);
    }

    /** Wall-clock time as the test sets it: TTLs pass when the test says. */
    static final class SettableClock extends Clock {
        private Instant now = Instant.parse("2026-12-07T00:00:00Z");

        synchronized void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public synchronized Instant instant() {
            return now;
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
