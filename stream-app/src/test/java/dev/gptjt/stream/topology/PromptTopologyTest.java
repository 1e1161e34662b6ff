package dev.gptjt.stream.topology;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptjt.engine.ClassificationRequest;
import dev.gptjt.engine.DecodingBackend;
import dev.gptjt.engine.EngineConfig;
import dev.gptjt.engine.GenerationParams;
import dev.gptjt.engine.GenerationRequest;
import dev.gptjt.engine.InferenceEngine;
import dev.gptjt.engine.graph.GreedySearchConverter;
import dev.gptjt.engine.model.ModelDirectory;
import dev.gptjt.engine.testing.Await;
import dev.gptjt.engine.testing.StepGate;
import dev.gptjt.schema.Classification;
import dev.gptjt.schema.Completion;
import dev.gptjt.schema.Entity;
import dev.gptjt.schema.Extraction;
import dev.gptjt.schema.FailureReason;
import dev.gptjt.schema.FinishReason;
import dev.gptjt.schema.LabelProbability;
import dev.gptjt.schema.PromptFailure;
import dev.gptjt.schema.PromptRequest;
import dev.gptjt.schema.internal.PendingPrompt;
import dev.gptjt.schema.wire.SingleObjectWireFormat;
import dev.gptjt.schema.wire.WireFormat;
import dev.gptjt.stream.config.Tasks;
import dev.gptjt.stream.config.TestConfig;
import dev.gptjt.tasks.EntityParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The production topology, driven by TopologyTestDriver with the real engine on the fixture model. */
class PromptTopologyTest {
    private static final TopologySettings SETTINGS = TopologySettings.defaults()
            .withAllowedReplyTopics(Set.of("replies.allowed"))
            .withTasks(Tasks.fromConfig(TestConfig.load(Map.of())));
    private static InferenceEngine engine;
    /** Never holds a batch: counts the requests the engine has finished, so a test can wait until one has. */
    private static final StepGate engineGate = StepGate.open();

    private final WireFormat wire = new SingleObjectWireFormat();

    private TopologyTestDriver driver;
    private TestInputTopic<byte[], byte[]> prompts;
    private TestOutputTopic<byte[], byte[]> completions;
    private TestOutputTopic<byte[], byte[]> failures;

    @TempDir
    Path stateDir;

    @BeforeAll
    static void openEngine() {
        engine = engineGate.open(
                EngineConfig.defaults(models().resolve("tiny-gptj")).withBatching(8, Duration.ofMillis(5), 64));
    }

    @AfterAll
    static void closeEngine() {
        engine.close();
    }

    static Path models() {
        return Path.of(System.getProperty("gptjt.models", "../models"));
    }

    @BeforeEach
    void start() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "gptjt-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        ResultFactory results = new ResultFactory("tiny-gptj", "sha", engine.backendName());
        driver =
                new TopologyTestDriver(PromptTopology.build(SETTINGS, engine, wire, results, Clock.systemUTC()), props);
        prompts =
                driver.createInputTopic(SETTINGS.promptsTopic(), new ByteArraySerializer(), new ByteArraySerializer());
        completions = driver.createOutputTopic(
                SETTINGS.completionsTopic(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        failures = driver.createOutputTopic(
                SETTINGS.failuresTopic(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    static PromptRequest.Builder request(String id, String prompt) {
        return PromptRequest.newBuilder()
                .setId(id)
                .setPrompt(prompt)
                .setCreatedAt(Instant.now().truncatedTo(ChronoUnit.MILLIS));
    }

    private void send(PromptRequest request) {
        prompts.pipeInput(
                request.getId().getBytes(StandardCharsets.UTF_8), wire.encode(SETTINGS.promptsTopic(), request));
    }

    /**
     * Advances wall-clock time in flush-interval steps until {@code count} results have left.
     *
     * @throws AssertionError when they have not within {@link Await#DEFAULT_DEADLINE}
     */
    private void flushUntil(int count, TestOutputTopic<?, ?>... topics) {
        flushUntil(driver, count, topics);
    }

    static void flushUntil(TopologyTestDriver driver, int count, TestOutputTopic<?, ?>... topics) {
        Await.stepping(
                count + " results out",
                Await.DEFAULT_DEADLINE,
                () -> driver.advanceWallClockTime(SETTINGS.flushInterval()),
                () -> queued(topics) >= count,
                () -> queued(topics) + " out");
    }

    private static long queued(TestOutputTopic<?, ?>... topics) {
        long size = 0;
        for (TestOutputTopic<?, ?> t : topics) {
            size += t.getQueueSize();
        }
        return size;
    }

    @Test
    void shouldAnswerAValidPromptWithTheEnginesCompletion() throws Exception {
        String prompt = "\"I love this!\" Is it positive? A:";
        send(request("p1", prompt).setAttributes(Map.of("tenant", "acme")).build());
        flushUntil(1, completions);
        Completion c = wire.decode(SETTINGS.completionsTopic(), completions.readValue(), Completion.class);
        var direct = engine.submit(new GenerationRequest("d", prompt, GenerationParams.DEFAULTS))
                .join();
        assertEquals("p1", c.getId());
        assertEquals(direct.text(), c.getText());
        assertEquals(5, c.getCompletionTokens());
        assertEquals(11, c.getPromptTokens());
        assertEquals(FinishReason.LENGTH, c.getFinishReason());
        assertEquals(Map.of("tenant", "acme"), c.getAttributes());
        assertEquals("tiny-gptj", c.getModel().getName());
        assertTrue(failures.isEmpty());
        KeyValueStore<String, byte[]> store = driver.getKeyValueStore(PromptTopology.PENDING_STORE);
        assertEquals(0, count(store), "answered prompts are deleted from the pending store");
    }

    @Test
    void shouldNameTheBackendThatRanEachPrompt(@TempDir Path tmp) throws Exception {
        // the production topology over an engine with both backends: greedy prompts in-graph, sampled ones on the loop
        Path converted = tmp.resolve("tiny-greedy");
        GreedySearchConverter.convert(ModelDirectory.open(models().resolve("tiny-gptj")), converted);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "gptjt-test-in-graph");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, tmp.resolve("state").toString());
        try (InferenceEngine both = InferenceEngine.open(EngineConfig.defaults(converted)
                        .withBatching(8, Duration.ofMillis(5), 64)
                        .withBackend(DecodingBackend.IN_GRAPH));
                TopologyTestDriver d = new TopologyTestDriver(
                        PromptTopology.build(
                                SETTINGS,
                                both,
                                wire,
                                new ResultFactory("tiny-greedy", "sha", both.backendName()),
                                Clock.systemUTC()),
                        props)) {
            TestInputTopic<byte[], byte[]> in =
                    d.createInputTopic(SETTINGS.promptsTopic(), new ByteArraySerializer(), new ByteArraySerializer());
            TestOutputTopic<byte[], byte[]> out = d.createOutputTopic(
                    SETTINGS.completionsTopic(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
            String prompt = "\"I love this!\" Is it positive? A:";
            for (PromptRequest r : List.of(
                    request("greedy", prompt).build(),
                    request("sampled", prompt)
                            .setParams(params().setTemperature(0.8)
                                    .setTopK(0)
                                    .setSeed(1L)
                                    .build())
                            .build())) {
                in.pipeInput(r.getId().getBytes(StandardCharsets.UTF_8), wire.encode(SETTINGS.promptsTopic(), r));
            }
            flushUntil(d, 2, out);
            Map<String, Completion> byId = new HashMap<>();
            out.readValuesToList().forEach(v -> {
                Completion c = wire.decode("t", v, Completion.class);
                byId.put(c.getId(), c);
            });
            assertEquals("ort-greedy-search", byId.get("greedy").getModel().getBackend());
            assertEquals("ort-java-loop", byId.get("sampled").getModel().getBackend());
            assertEquals(
                    engine.submit(new GenerationRequest("d", prompt, GenerationParams.DEFAULTS))
                            .join()
                            .text(),
                    byId.get("greedy").getText(),
                    "in-graph greedy equals the Java loop's greedy");
        }
    }

    @Test
    void shouldKeepTheInputKeyAndHeaders() throws Exception {
        var headers = new RecordHeaders().add("trace-id", "abc".getBytes(StandardCharsets.UTF_8));
        prompts.pipeInput(new TestRecord<>(
                "key-1".getBytes(StandardCharsets.UTF_8),
                wire.encode(SETTINGS.promptsTopic(), request("p2", "Hi").build()),
                headers));
        flushUntil(1, completions);
        TestRecord<byte[], byte[]> out = completions.readRecord();
        assertArrayEquals("key-1".getBytes(StandardCharsets.UTF_8), out.key());
        assertArrayEquals(
                "abc".getBytes(StandardCharsets.UTF_8),
                out.headers().lastHeader("trace-id").value());
    }

    @Test
    void shouldAnswerEveryInvalidKindWithATypedFailure() throws Exception {
        Map<String, FailureReason> expected = new HashMap<>();
        List<byte[]> values = new ArrayList<>();
        byte[] random = new byte[40];
        new Random(3).nextBytes(random);
        values.add(random);
        expected.put(null, FailureReason.UNREADABLE);
        byte[] valid = wire.encode("t", request("x", "Hi").build());
        values.add(Arrays.copyOf(valid, valid.length - 3));
        Map<PromptRequest, FailureReason> invalid = new LinkedHashMap<>();
        invalid.put(request("", "Hi").build(), FailureReason.INVALID_ID);
        invalid.put(request("blank", "  \n\t ").build(), FailureReason.EMPTY_PROMPT);
        invalid.put(request("task", "Hi").setTask("no-such-task").build(), FailureReason.UNKNOWN_TASK);
        invalid.put(request("reply", "Hi").setReplyTopic("elsewhere").build(), FailureReason.REPLY_TOPIC_NOT_ALLOWED);
        invalid.put(
                request("late", "Hi")
                        .setDeadlineAt(Instant.now().minusSeconds(5).truncatedTo(ChronoUnit.MILLIS))
                        .build(),
                FailureReason.DEADLINE_EXCEEDED);
        invalid.put(
                request("zero", "Hi")
                        .setParams(params().setMaxNewTokens(0).build())
                        .build(),
                FailureReason.INVALID_PARAMETER);
        invalid.put(
                request("cap", "Hi")
                        .setParams(params().setMaxNewTokens(100_000).build())
                        .build(),
                FailureReason.INVALID_PARAMETER);
        invalid.put(
                request("nan", "Hi")
                        .setParams(params().setTemperature(Double.NaN).build())
                        .build(),
                FailureReason.INVALID_PARAMETER);
        invalid.put(
                request("topp", "Hi").setParams(params().setTopP(1.5).build()).build(),
                FailureReason.INVALID_PARAMETER);
        invalid.put(
                request("topk", "Hi").setParams(params().setTopK(-1).build()).build(), FailureReason.INVALID_PARAMETER);
        invalid.put(request("long", "word ".repeat(3000)).build(), FailureReason.PROMPT_TOO_LONG);
        for (byte[] v : values) {
            prompts.pipeInput(v);
        }
        invalid.keySet().forEach(this::send);
        send(request("ok", "Hi").build());
        int failuresExpected = values.size() + invalid.size();
        flushUntil(failuresExpected + 1, completions, failures);

        assertEquals(1, completions.getQueueSize(), "the valid prompt among them is answered");
        assertEquals(
                "ok",
                wire.decode("t", completions.readValue(), Completion.class).getId());
        List<PromptFailure> out = new ArrayList<>();
        failures.readValuesToList().forEach(v -> out.add(wire.decode("t", v, PromptFailure.class)));
        assertEquals(failuresExpected, out.size(), "records in = results + failures");
        for (PromptFailure f : out.subList(0, 2)) {
            assertEquals(FailureReason.UNREADABLE, f.getReason());
            assertNotNull(f.getOriginal(), "unreadable records carry their original bytes");
            assertEquals(SETTINGS.promptsTopic(), f.getTopic());
        }
        Map<String, FailureReason> byId = new HashMap<>();
        out.subList(2, out.size()).forEach(f -> byId.put(f.getId(), f.getReason()));
        invalid.forEach((request, reason) -> assertEquals(reason, byId.get(request.getId()), request.getId()));
    }

    private static dev.gptjt.schema.GenerationParams.Builder params() {
        return dev.gptjt.schema.GenerationParams.newBuilder();
    }

    @Test
    void shouldForwardResultsOnlyWhenTheWallClockPunctuatorRuns() throws Exception {
        int ended = engineGate.completed();
        send(request("p3", "Hi").build());
        engineGate.awaitCompleted(ended + 1); // the engine has answered: only the punctuator forwards it
        assertTrue(completions.isEmpty());
        assertEquals(1, count(driver.getKeyValueStore(PromptTopology.PENDING_STORE)), "pending until forwarded");
        driver.advanceWallClockTime(SETTINGS.flushInterval());
        assertEquals(1, completions.getQueueSize());
    }

    @Test
    void shouldResubmitPromptsFoundInTheStore() throws Exception {
        // What a restored changelog holds after a crash: a prompt accepted but never answered.
        PendingPrompt restored = PendingPrompt.newBuilder()
                .setRequest(request("restored", "Hi").build())
                .setTopic(SETTINGS.promptsTopic())
                .setPartition(0)
                .setOffset(41)
                .setReceivedAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                .build();
        KeyValueStore<String, byte[]> store = driver.getKeyValueStore(PromptTopology.PENDING_STORE);
        store.put("gptjt.prompts/0/41", wire.encode("store", restored));
        driver.advanceWallClockTime(SETTINGS.reconcileInterval());
        flushUntil(1, completions);
        assertEquals(
                "restored",
                wire.decode("t", completions.readValue(), Completion.class).getId());
        assertEquals(0, count(store));
    }

    @Test
    void shouldSendToAnAllowedReplyTopic() throws Exception {
        send(request("p4", "Hi").setReplyTopic("replies.allowed").build());
        TestOutputTopic<byte[], byte[]> replies =
                driver.createOutputTopic("replies.allowed", new ByteArrayDeserializer(), new ByteArrayDeserializer());
        flushUntil(1, replies);
        assertEquals(
                "p4", wire.decode("t", replies.readValue(), Completion.class).getId());
        assertTrue(completions.isEmpty());
    }

    @Test
    void shouldClassifyATweetIntoOneOfTheTasksLabelsOnTheTasksTopic() throws Exception {
        send(request("t1", "New to Twitter-- any men on here know what the process is to get")
                .setTask("tweet-hate")
                .setAttributes(Map.of("source", "firehose"))
                .build());
        TestOutputTopic<byte[], byte[]> results = driver.createOutputTopic(
                "gptjt.results.tweet-hate", new ByteArrayDeserializer(), new ByteArrayDeserializer());
        flushUntil(1, results);
        Classification c = wire.decode("t", results.readValue(), Classification.class);
        assertEquals("t1", c.getId());
        assertEquals("tweet-hate", c.getTask());
        assertTrue(List.of("hate speech", "not hate speech").contains(c.getLabel()), c.getLabel());
        assertEquals(2, c.getScores().size());
        assertEquals(
                1.0,
                c.getScores().stream()
                        .mapToDouble(LabelProbability::getProbability)
                        .sum(),
                1e-6);
        assertEquals(Map.of("source", "firehose"), c.getAttributes());
        // the label is the one the engine scores highest for the task's prompt
        var direct = engine.classify(new ClassificationRequest(
                        "d",
                        SETTINGS.tasks()
                                .get("tweet-hate")
                                .prompt("New to Twitter-- any men on here know what the process is to get"),
                        List.of(" hate speech", " not hate speech"),
                        false))
                .join();
        assertEquals(direct.label().strip(), c.getLabel());
        assertTrue(completions.isEmpty() && failures.isEmpty());
    }

    @Test
    void shouldExtractEntitiesAndGenerateForTheirTasks() throws Exception {
        send(request("e1", "Pacific Northwest cities include Seattle and Portland, which I have visited with Vikash.")
                .setTask("entities")
                .build());
        send(request("c1", "India").setTask("currency").build());
        TestOutputTopic<byte[], byte[]> entities = driver.createOutputTopic(
                "gptjt.results.entities", new ByteArrayDeserializer(), new ByteArrayDeserializer());
        TestOutputTopic<byte[], byte[]> currency = driver.createOutputTopic(
                "gptjt.results.currency", new ByteArrayDeserializer(), new ByteArrayDeserializer());
        flushUntil(2, entities, currency);
        Extraction x = wire.decode("t", entities.readValue(), Extraction.class);
        assertEquals("entities", x.getTask());
        assertEquals(
                EntityParser.parse(x.getRaw()).stream()
                        .map(EntityParser.ExtractedEntity::text)
                        .toList(),
                x.getEntities().stream().map(Entity::getText).toList());
        assertTrue(!x.getRaw().contains("\n"), "cut at the task's newline stop");
        Completion c = wire.decode("t", currency.readValue(), Completion.class);
        assertEquals("currency", c.getTask());
        var direct = engine.submit(new GenerationRequest(
                        "d",
                        SETTINGS.tasks().get("currency").prompt("India"),
                        GenerationParams.DEFAULTS.withMaxNewTokens(8).withStop(List.of("\n"))))
                .join();
        assertEquals(direct.text(), c.getText());
    }

    private static int count(KeyValueStore<String, byte[]> store) {
        int n = 0;
        try (var it = store.all()) {
            while (it.hasNext()) {
                it.next();
                n++;
            }
        }
        return n;
    }
}
