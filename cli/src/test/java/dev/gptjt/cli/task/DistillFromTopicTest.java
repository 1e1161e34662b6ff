package dev.gptjt.cli.task;

import static dev.gptjt.cli.CliRun.gptjt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gptjt.cli.CliRun;
import dev.gptjt.cluster.KafkaBroker;
import dev.gptjt.schema.AnswerPath;
import dev.gptjt.schema.Classification;
import dev.gptjt.schema.LabelProbability;
import dev.gptjt.schema.ModelInfo;
import dev.gptjt.schema.ReviewVerdict;
import dev.gptjt.schema.wire.WireFormat;
import dev.gptjt.tasks.DefaultTopics;
import dev.gptjt.tools.bench.BenchCluster;
import dev.gptjt.tools.task.TaskRunner;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gptjt distill --from-topic} over a real broker: prompts sent with {@code gptjt send}, the task's
 * Classification records and reviewers' ReviewVerdict records as the service and a review tool write them
 * (single-object Avro); the reviewers' labels take precedence over GPT-JT's.
 */
class DistillFromTopicTest {
    private static final Path TRAIN = Path.of("..", "docs", "bench", "emotion-train.jsonl");
    private static final String RESULTS = DefaultTopics.results("sentiment");
    private static final WireFormat WIRE = WireFormat.create(WireFormat.Kind.SINGLE_OBJECT, Map.of());
    private static KafkaBroker broker;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = KafkaBroker.start(tmp.resolve("kafka"));
        BenchCluster.ensureTopic(broker.bootstrap(), RESULTS);
    }

    @AfterAll
    static void stopBroker() throws InterruptedException {
        broker.close();
    }

    /** The first {@code n} texts of the training file as the task's prompts on {@code topic}, ids prefixed. */
    private static List<JsonNode> sendPrompts(String topic, String prefix, int n) throws Exception {
        BenchCluster.ensureTopic(broker.bootstrap(), topic);
        List<JsonNode> rows = new ArrayList<>();
        StringBuilder lines = new StringBuilder();
        for (String line : Files.readAllLines(TRAIN).subList(0, n)) {
            JsonNode row = TaskRunner.JSON.readTree(line);
            rows.add(row);
            lines.append(TaskRunner.JSON.writeValueAsString(Map.of(
                            "id",
                            prefix + row.get("id").asText(),
                            "prompt",
                            row.get("text").asText(),
                            "task",
                            "sentiment")))
                    .append('\n');
        }
        CliRun send = gptjt(lines.toString(), "send", "--bootstrap", broker.bootstrap(), "--topic", topic);
        assertEquals(0, send.code(), send.err());
        assertTrue(send.out().contains("sent " + n + " prompts"), send.out());
        return rows;
    }

    private static Classification classification(String id, String label, AnswerPath path, String backend) {
        return Classification.newBuilder()
                .setId(id)
                .setTask("sentiment")
                .setLabel(label)
                .setScores(List.of(LabelProbability.newBuilder()
                        .setLabel(label)
                        .setProbability(1)
                        .setLogProb(0)
                        .setTokens(1)
                        .build()))
                .setPromptTokens(12)
                .setModel(ModelInfo.newBuilder()
                        .setName("demo-gptj")
                        .setSha256("0".repeat(64))
                        .setBackend(backend)
                        .build())
                .setRequestCreatedAt(Instant.EPOCH)
                .setCreatedAt(Instant.EPOCH)
                .setQueuedMs(0)
                .setInferenceMs(1)
                .setBatchSize(1)
                .setAnsweredBy(path)
                .build();
    }

    private static ReviewVerdict verdict(String id, String task, String label, long decidedAtMs) {
        return ReviewVerdict.newBuilder()
                .setId(id)
                .setTask(task)
                .setLabel(label)
                .setReviewer("alice")
                .setDecidedAt(Instant.ofEpochMilli(decidedAtMs))
                .build();
    }

    /** Records keyed by their id, in this order, each acknowledged. */
    private static void write(String topic, List<? extends SpecificRecord> records) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(), ProducerConfig.ACKS_CONFIG, "all"),
                new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (SpecificRecord r : records) {
                String id = r.get(r.getSchema().getField("id").pos()).toString();
                producer.send(new ProducerRecord<>(topic, id.getBytes(StandardCharsets.UTF_8), WIRE.encode(topic, r)))
                        .get(30, TimeUnit.SECONDS);
            }
        }
    }

    private static CliRun distill(String promptsTopic, String verdictsTopic, Path out) {
        return gptjt(
                "",
                "distill",
                "--task",
                "sentiment",
                "--from-topic",
                "--bootstrap",
                broker.bootstrap(),
                "--prompts-topic",
                promptsTopic,
                "--verdicts-topic",
                verdictsTopic,
                "--out",
                out.toString());
    }

    @Test
    void shouldTrainOnReviewersVerdictsOverGptjtsLabelsAndSayWhereTheLabelsCameFrom() throws Exception {
        String p = "reviewed-";
        List<JsonNode> rows = sendPrompts("reviewed.prompts", p, 60);
        List<Classification> answers = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            answers.add(classification(
                    p + rows.get(i).get("id").asText(),
                    rows.get(i).get("label").asText(),
                    AnswerPath.MODEL,
                    "ort-java-loop"));
        }
        for (int i = 50; i < 55; i++) { // the cascade's own answers, live and cached: not training data
            answers.add(classification(
                    p + rows.get(i).get("id").asText(),
                    "joy",
                    i % 2 == 0 ? AnswerPath.CASCADE : AnswerPath.CACHE,
                    "cascade"));
        }
        write(RESULTS, answers);
        String verdicts = "reviewed.verdicts";
        BenchCluster.ensureTopic(broker.bootstrap(), verdicts);
        assertEquals("anger", rows.get(0).get("label").asText());
        assertEquals("love", rows.get(1).get("label").asText());
        assertEquals("fear", rows.get(2).get("label").asText());
        write(
                verdicts,
                List.of(
                        verdict(p + "train-0", "sentiment", "fear", 10), // overrides GPT-JT's anger
                        verdict(p + "train-1", null, "love", 10), // agrees with GPT-JT
                        verdict(p + "train-2", "sentiment", "fear", 20), // the later of two: agrees
                        verdict(p + "train-2", "sentiment", "joy", 10), // read later, decided earlier
                        verdict(p + "train-55", "sentiment", "joy", 10), // GPT-JT never labelled it
                        verdict(p + "train-3", "sentiment", "spam", 10), // not a label of the task
                        verdict(p + "train-4", "tweet-hate", "hate speech", 10), // another task's
                        verdict(p + "train-999", "sentiment", "joy", 10))); // no prompt read
        Path out = tmp.resolve("reviewed-cascade");
        CliRun distill = distill("reviewed.prompts", verdicts, out);
        assertEquals(0, distill.code(), distill.err());
        assertTrue(distill.out().contains("read: 60 prompts, "), distill.out()); // the tests share the answers
        assertTrue(distill.out().contains(" answers, 7 verdicts"), distill.out());
        assertTrue(distill.out().contains("distilled sentiment: 51 examples"), distill.out());
        assertTrue(
                distill.out().contains("labels: 47 from GPT-JT, 4 from reviewers (1 overrode GPT-JT's label)"),
                distill.out());
        assertTrue(distill.out().contains("1 verdicts skipped: their label is not one of the task's"), distill.out());
        assertTrue(distill.out().contains("1 verdicts on ids whose prompt was not read"), distill.out());
        assertTrue(distill.out().contains("held-out agreement with the labels"), distill.out());
        assertTrue(Files.isRegularFile(out.resolve("model.onnx")), "the cascade is written");
    }

    @Test
    void shouldTakeTheVerdictsGptjtVerdictWritesTheLaterOverTheEarlier() throws Exception {
        String p = "by-command-";
        List<JsonNode> rows = sendPrompts("by-command.prompts", p, 20);
        List<Classification> answers = new ArrayList<>();
        for (JsonNode row : rows) {
            answers.add(classification(
                    p + row.get("id").asText(), row.get("label").asText(), AnswerPath.MODEL, "ort-java-loop"));
        }
        write(RESULTS, answers);
        assertEquals("anger", rows.get(0).get("label").asText());
        for (String label : List.of("anger", "fear")) { // a reviewer who changes their mind: fear is the later
            CliRun verdict = gptjt(
                    "",
                    "verdict",
                    "--task",
                    "sentiment",
                    "--id",
                    p + "train-0",
                    "--label",
                    label,
                    "--reviewer",
                    "bob",
                    "--bootstrap",
                    broker.bootstrap(),
                    "--topic",
                    "by-command.verdicts");
            assertEquals(0, verdict.code(), verdict.err());
        }
        CliRun distill = distill("by-command.prompts", "by-command.verdicts", tmp.resolve("by-command-cascade"));
        assertEquals(0, distill.code(), distill.err());
        assertTrue(
                distill.out().contains("labels: 19 from GPT-JT, 1 from reviewers (1 overrode GPT-JT's label)"),
                distill.out());
    }

    @Test
    void shouldTrainOnGptjtsLabelsAloneAndSaySoWhenTheVerdictsTopicDoesNotExist() throws Exception {
        String p = "unreviewed-";
        List<JsonNode> rows = sendPrompts("unreviewed.prompts", p, 20);
        List<Classification> answers = new ArrayList<>();
        for (JsonNode row : rows) {
            answers.add(classification(
                    p + row.get("id").asText(), row.get("label").asText(), AnswerPath.MODEL, "ort-java-loop"));
        }
        write(RESULTS, answers);
        CliRun distill = distill("unreviewed.prompts", "no.such.verdicts", tmp.resolve("unreviewed-cascade"));
        assertEquals(0, distill.code(), distill.err());
        assertTrue(distill.out().contains("labels: 20 from GPT-JT, 0 from reviewers"), distill.out());
        assertTrue(distill.out().contains("no verdicts: topic no.such.verdicts does not exist"), distill.out());
        assertTrue(distill.out().contains("held-out agreement with GPT-JT:"), distill.out());
    }
}
