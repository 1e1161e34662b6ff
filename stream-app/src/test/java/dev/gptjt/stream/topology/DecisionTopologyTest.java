package dev.gptjt.stream.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptjt.engine.EngineConfig;
import dev.gptjt.engine.InferenceEngine;
import dev.gptjt.engine.testing.Await;
import dev.gptjt.schema.AnswerPath;
import dev.gptjt.schema.Classification;
import dev.gptjt.schema.Decision;
import dev.gptjt.schema.FailureReason;
import dev.gptjt.schema.PromptRequest;
import dev.gptjt.schema.wire.SingleObjectWireFormat;
import dev.gptjt.schema.wire.WireFormat;
import dev.gptjt.schema.wire.WireFormatUnavailableException;
import dev.gptjt.stream.config.GptjtConfig;
import dev.gptjt.stream.config.Tasks;
import dev.gptjt.stream.config.TestConfig;
import dev.gptjt.tasks.DefaultTopics;
import dev.gptjt.tasks.cascade.CascadeSettings;
import dev.gptjt.tasks.decision.AuditSampler;
import dev.gptjt.tasks.decision.DecisionPolicy;
import dev.gptjt.testing.TweetCascade;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The production topology with tweet-hate's decision policy over the demo model: every record lands on its result
 * topic and on exactly one action topic, per its band, band edges included; the audit copies are those the sampler
 * picks. The edges are set to exactly the probabilities of records classified once beforehand (one row a batch, so
 * a record's probability does not depend on its batch neighbours).
 */
class DecisionTopologyTest {
    private static final String TASK = "tweet-hate";
    private static final String RESULTS = DefaultTopics.results(TASK);
    private static final String REPLIES = "replies.allowed";
    private static final String HATE = "hate speech";
    private static final List<String> ACTIONS = List.of("remove", "review", "allow");
    private static final List<String> TEXTS = List.of(
            "My neighbour posted that this winter feels longer than the last one @cityhall",
            "The mayor announced the women's team won the league again",
            "i hate those migrants they are vermin",
            "send them all back where they came from",
            "women should not be allowed to vote",
            "The new bus driver complained nobody reads the terms and conditions anyway",
            "My sister complained the train was forty minutes late and nobody apologised?",
            "immigrants are welcome in our town, the festival was lovely",
            "what a game last night!!!",
            "go home you are not wanted here",
            "the council meeting ran late again",
            "she is too stupid to drive, typical woman",
            "refugees deserve a safe place to live",
            "our new colleague from abroad cooked for everyone",
            "I cannot believe the price of coffee now",
            "they are invading us, close the borders",
            "lovely weather for a walk by the river",
            "why do they let those people in",
            "my aunt knits scarves for the shelter",
            "women belong in the kitchen lol",
            "the library opens late on thursdays",
            "these foreigners steal our jobs",
            "happy birthday to my best friend",
            "nobody wants you here, leave");

    @TempDir
    static Path stateRoot;

    private static InferenceEngine engine;
    private static final WireFormat SINGLE_OBJECT = new SingleObjectWireFormat();

    @BeforeAll
    static void open() {
        // one row a batch: a text's probabilities are the same in both runs of a test, to the last bit
        engine = InferenceEngine.open(
                EngineConfig.defaults(PromptTopologyTest.models().resolve("tiny-gptj"))
                        .withBatching(1, Duration.ofMillis(1), 64));
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    /** Counts the decisions the topology reports. */
    static final class Recorded implements TopologyMetrics {
        final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();

        int get(String key) {
            return counts.getOrDefault(key, new AtomicInteger()).get();
        }

        @Override
        public void promptIn() {}

        @Override
        public void resultOut(String kind) {
            counts.computeIfAbsent("out/" + kind, k -> new AtomicInteger()).incrementAndGet();
        }

        @Override
        public void failure(FailureReason reason) {}

        @Override
        public void pending(int delta) {}

        @Override
        public void decision(String task, String action) {
            counts.computeIfAbsent(task + "/" + action, k -> new AtomicInteger())
                    .incrementAndGet();
        }

        @Override
        public void auditSampled(String task) {
            counts.computeIfAbsent(task + "/audited", k -> new AtomicInteger()).incrementAndGet();
        }
    }

    private static TopologyTestDriver driver(
            TopologySettings settings, WireFormat wire, TopologyMetrics metrics, Path state) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "gptjt-decision-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
        ResultFactory results = new ResultFactory("tiny-gptj", "sha", engine.backendName());
        return new TopologyTestDriver(
                PromptTopology.build(settings, engine, TaskCascades.NONE, wire, results, Clock.systemUTC(), metrics),
                props);
    }

    /** The topology's settings from the shipped configuration with {@code overrides}, policies and audit topic too. */
    private static TopologySettings settings(Map<String, String> overrides) {
        GptjtConfig config = TestConfig.load(overrides);
        return TopologySettings.defaults()
                .withTasks(Tasks.fromConfig(config))
                .withAllowedReplyTopics(Set.of(REPLIES))
                .withPolicies(Tasks.policiesFromConfig(config), config.topics().audit());
    }

    private static void send(TopologyTestDriver driver, TopologySettings settings, List<PromptRequest> requests) {
        TestInputTopic<byte[], byte[]> prompts =
                driver.createInputTopic(settings.promptsTopic(), new ByteArraySerializer(), new ByteArraySerializer());
        for (PromptRequest r : requests) {
            prompts.pipeInput(
                    r.getId().getBytes(StandardCharsets.UTF_8), SINGLE_OBJECT.encode(settings.promptsTopic(), r));
        }
    }

    private static List<PromptRequest> tweets() {
        List<PromptRequest> out = new ArrayList<>();
        for (int i = 0; i < TEXTS.size(); i++) {
            out.add(TweetCascade.tweet("tweet-" + i, TEXTS.get(i)));
        }
        return out;
    }

    private static TestOutputTopic<byte[], byte[]> output(TopologyTestDriver driver, String topic) {
        return driver.createOutputTopic(topic, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** Steps wall-clock time until {@code count} records have left {@code topic}; reads them by id. */
    private static Map<String, Classification> await(
            TopologyTestDriver driver, TopologySettings settings, TestOutputTopic<byte[], byte[]> topic, int count) {
        Await.stepping(
                count + " results",
                Await.DEFAULT_DEADLINE,
                () -> driver.advanceWallClockTime(settings.flushInterval()),
                () -> topic.getQueueSize() >= count,
                () -> topic.getQueueSize() + " out");
        return read(topic);
    }

    private static Map<String, Classification> read(TestOutputTopic<byte[], byte[]> topic) {
        Map<String, Classification> out = new TreeMap<>();
        for (byte[] v : topic.readValuesToList()) {
            Classification c = SINGLE_OBJECT.decode("t", v, Classification.class);
            assertNull(out.put(c.getId(), c), "one copy of " + c.getId() + " a topic");
        }
        return out;
    }

    private static double hate(Classification c) {
        return c.getScores().stream()
                .filter(s -> s.getLabel().equals(HATE))
                .findFirst()
                .orElseThrow()
                .getProbability();
    }

    /** Each tweet's probability of hate speech, classified by the topology under no policy. */
    private static Map<String, Double> classifyOnce(Path state) {
        TopologySettings plain = TopologySettings.defaults().withTasks(Tasks.fromConfig(TestConfig.load(Map.of())));
        try (TopologyTestDriver driver = driver(plain, SINGLE_OBJECT, TopologyMetrics.NONE, state)) {
            send(driver, plain, tweets());
            Map<String, Classification> answers = await(driver, plain, output(driver, RESULTS), TEXTS.size());
            Map<String, Double> out = new TreeMap<>();
            answers.forEach((id, c) -> {
                assertNull(c.getDecision(), "no policy: no decision");
                assertNull(c.getPolicyVersion());
                out.put(id, hate(c));
            });
            return out;
        }
    }

    @Test
    void shouldRouteEveryRecordToExactlyOneActionTopicPerItsBandEdgesIncludedAndAuditTheSampledOnes(
            @TempDir Path first, @TempDir Path second) {
        Map<String, Double> probability = classifyOnce(first);
        List<Double> distinct = new ArrayList<>(new TreeSet<>(probability.values()));
        assertTrue(distinct.size() >= 6, "the demo model gives distinct probabilities: " + distinct);
        // edges at exactly a record's probability: that record is reviewed (min inclusive), that one removed
        // (review's max exclusive, remove's min inclusive)
        double reviewMin = distinct.get(distinct.size() / 3);
        double removeMin = distinct.get(2 * distinct.size() / 3);
        double auditFraction = 0.5;
        String k = "gptjt.tasks.tweet-hate.decisions.";
        TopologySettings settings = settings(Map.of(
                k + "version", "edges-1",
                k + "rules[0].min", Double.toString(removeMin),
                k + "rules[1].min", Double.toString(reviewMin),
                k + "rules[1].max", Double.toString(removeMin),
                k + "topics.review", "people.review",
                k + "audit-fraction", Double.toString(auditFraction)));
        DecisionPolicy policy = settings.policies().get(TASK);
        assertEquals(removeMin, policy.rules().get(0).band().min(), "the edge read back exactly");
        AuditSampler sampler = new AuditSampler(TASK, auditFraction);
        Recorded metrics = new Recorded();

        List<PromptRequest> requests = tweets();
        String replied = "tweet-" + (TEXTS.size() - 1);
        requests.set(
                TEXTS.size() - 1,
                PromptRequest.newBuilder(requests.get(TEXTS.size() - 1))
                        .setReplyTopic(REPLIES)
                        .build());
        try (TopologyTestDriver driver = driver(settings, SINGLE_OBJECT, metrics, second)) {
            Map<String, TestOutputTopic<byte[], byte[]>> actionTopics = new HashMap<>();
            ACTIONS.forEach(a -> actionTopics.put(a, output(driver, policy.topic(a))));
            assertEquals("people.review", policy.topic("review"));
            TestOutputTopic<byte[], byte[]> audit = output(driver, DefaultTopics.AUDIT);
            TestOutputTopic<byte[], byte[]> replies = output(driver, REPLIES);
            TestOutputTopic<byte[], byte[]> results = output(driver, RESULTS);
            send(driver, settings, requests);
            Map<String, Classification> onResults = await(driver, settings, results, TEXTS.size() - 1);
            Map<String, Classification> onReplies = await(driver, settings, replies, 1);
            assertEquals(Set.of(replied), onReplies.keySet(), "a reply topic instead of the result topic");
            Map<String, Classification> answered = new TreeMap<>(onResults);
            answered.putAll(onReplies);
            assertEquals(TEXTS.size(), answered.size());

            Map<String, String> landed = new TreeMap<>();
            for (String action : ACTIONS) {
                read(actionTopics.get(action)).forEach((id, c) -> {
                    assertNull(landed.put(id, action), id + " on two action topics");
                    assertEquals(answered.get(id), c, "the action topic's copy is the result");
                });
            }
            assertEquals(answered.keySet(), landed.keySet(), "every record on an action topic");
            Map<String, Integer> perAction = new TreeMap<>();
            answered.forEach((id, c) -> {
                double p = hate(c);
                assertEquals(probability.get(id), p, "the same probability as classified before");
                String expected = p >= removeMin ? "remove" : p >= reviewMin ? "review" : "allow";
                assertEquals(expected, landed.get(id), id + " at p = " + p);
                Decision d = c.getDecision();
                assertNotNull(d, id);
                assertEquals(expected, d.getAction());
                assertEquals("edges-1", d.getPolicyVersion());
                assertEquals("edges-1", c.getPolicyVersion());
                assertTrue(d.getAutomated());
                assertEquals(sampler.audited(id), d.getAudited(), id + ": audited as the sampler picks it");
                if (expected.equals("allow")) {
                    assertNull(d.getRule());
                    assertNull(d.getLabel());
                    assertNull(d.getProbability());
                } else {
                    assertEquals(expected.equals("remove") ? 0 : 1, d.getRule());
                    assertEquals(HATE, d.getLabel());
                    assertEquals(p, d.getProbability());
                }
                perAction.merge(expected, 1, Integer::sum);
            });
            String atReviewEdge = idAt(probability, reviewMin);
            String atRemoveEdge = idAt(probability, removeMin);
            String belowReview = idAt(probability, distinct.get(distinct.size() / 3 - 1));
            assertEquals("review", landed.get(atReviewEdge), "p = review's min is reviewed");
            assertEquals("remove", landed.get(atRemoveEdge), "p = review's max = remove's min is removed");
            assertEquals("allow", landed.get(belowReview), "just below review's min is allowed");

            Map<String, Classification> audited = read(audit);
            Set<String> picked = new TreeSet<>();
            answered.keySet().stream().filter(sampler::audited).forEach(picked::add);
            assertFalse(picked.isEmpty() || picked.size() == TEXTS.size(), "a sample, not all or none: " + picked);
            assertEquals(picked, audited.keySet(), "the audit copies are those the sampler picks");
            audited.forEach((id, c) -> assertEquals(answered.get(id), c));
            ACTIONS.forEach(a -> assertEquals(perAction.getOrDefault(a, 0), metrics.get(TASK + "/" + a), a));
            assertEquals(picked.size(), metrics.get(TASK + "/audited"));
            assertEquals(TEXTS.size(), metrics.get("out/classification"), "each result counted once");
        }
    }

    @Test
    void shouldForwardNoCopyWhileTheRegistryDoesNotAnswerForOneOfThem(@TempDir Path state) {
        TopologySettings settings = settings(Map.of("gptjt.tasks.tweet-hate.decisions.audit-fraction", "1"));
        AwayForOneTopic wire = new AwayForOneTopic(DefaultTopics.AUDIT);
        try (TopologyTestDriver driver = driver(settings, wire, TopologyMetrics.NONE, state)) {
            TestOutputTopic<byte[], byte[]> results = output(driver, RESULTS);
            TestOutputTopic<byte[], byte[]> audit = output(driver, DefaultTopics.AUDIT);
            send(driver, settings, List.of(TweetCascade.tweet("held", TEXTS.get(0))));
            Await.stepping(
                    "an encode refused for the audit topic",
                    Await.DEFAULT_DEADLINE,
                    () -> driver.advanceWallClockTime(settings.flushInterval()),
                    () -> wire.refused.get() > 0,
                    () -> wire.refused.get() + " refused");
            assertTrue(results.isEmpty(), "nothing forwarded: not the result either");
            assertTrue(audit.isEmpty());
            assertEquals(1, stored(driver), "the prompt kept");

            wire.away = false;
            Map<String, Classification> answered = await(driver, settings, results, 1);
            assertEquals(Set.of("held"), answered.keySet());
            assertEquals(answered, read(audit), "every copy, once the registry answers");
            assertTrue(answered.get("held").getDecision().getAudited());
        }
    }

    @Test
    void shouldDecideAndRouteACascadeAnswerAsAModelAnswer(@TempDir Path cascadeDir, @TempDir Path state)
            throws Exception {
        TopologySettings settings = settings(Map.of());
        Path cascade = TweetCascade.distill(
                cascadeDir.resolve("tweet-hate-cascade"),
                settings.tasks().get(TASK).labels());
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "gptjt-decision-cascade-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
        try (TaskCascades cascades =
                        TaskCascades.open(settings.tasks(), Map.of(TASK, new CascadeSettings(cascade, 0.9, 0)));
                TopologyTestDriver driver = new TopologyTestDriver(
                        PromptTopology.build(
                                settings,
                                engine,
                                cascades,
                                SINGLE_OBJECT,
                                new ResultFactory("tiny-gptj", "sha", engine.backendName()),
                                Clock.systemUTC(),
                                TopologyMetrics.NONE),
                        props)) {
            TestOutputTopic<byte[], byte[]> removed = output(driver, DefaultTopics.decisions(TASK, "remove"));
            send(driver, settings, List.of(TweetCascade.tweet("sure", TweetCascade.SURE)));
            Classification c =
                    await(driver, settings, output(driver, RESULTS), 1).get("sure");
            assertEquals(AnswerPath.CASCADE, c.getAnsweredBy());
            assertTrue(hate(c) >= 0.9, c.toString());
            assertEquals("2026-12-07", c.getPolicyVersion(), "the shipped policy");
            assertEquals("remove", c.getDecision().getAction());
            assertEquals(0, c.getDecision().getRule());
            assertEquals(Map.of("sure", c), read(removed), "on the remove topic too");
        }
    }

    private static int stored(TopologyTestDriver driver) {
        int n = 0;
        try (var all = driver.<String, byte[]>getKeyValueStore(PromptTopology.PENDING_STORE)
                .all()) {
            while (all.hasNext()) {
                all.next();
                n++;
            }
        }
        return n;
    }

    private static String idAt(Map<String, Double> probability, double p) {
        return probability.entrySet().stream()
                .filter(e -> e.getValue() == p)
                .findFirst()
                .orElseThrow()
                .getKey();
    }

    /** The single-object format whose registry does not answer for one topic until told it does. */
    private static final class AwayForOneTopic implements WireFormat {
        private final WireFormat answering = new SingleObjectWireFormat();
        private final String topic;
        final AtomicInteger refused = new AtomicInteger();
        volatile boolean away = true;

        AwayForOneTopic(String topic) {
            this.topic = topic;
        }

        @Override
        public byte[] encode(String topic, SpecificRecord record) {
            if (away && topic.equals(this.topic)) {
                refused.incrementAndGet();
                throw new WireFormatUnavailableException("the schema registry did not answer (test)", null);
            }
            return answering.encode(topic, record);
        }

        @Override
        public SpecificRecord decode(String topic, byte[] bytes) {
            return answering.decode(topic, bytes);
        }
    }
}
