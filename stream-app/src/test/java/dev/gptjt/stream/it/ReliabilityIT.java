package dev.gptjt.stream.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptjt.cluster.ServiceProcess;
import dev.gptjt.engine.testing.Await;
import dev.gptjt.schema.Completion;
import dev.gptjt.schema.FailureReason;
import dev.gptjt.schema.GenerationParams;
import dev.gptjt.schema.PromptFailure;
import dev.gptjt.schema.PromptRequest;
import dev.gptjt.schema.wire.SingleObjectWireFormat;
import dev.gptjt.schema.wire.WireFormat;
import dev.gptjt.testing.BrokerIT;
import dev.gptjt.testing.TestServices;
import dev.gptjt.testing.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * Reliability against a real KRaft broker with the packaged service in its own processes: the poison
 * matrix, a broker restart mid-stream, and two instances with one SIGKILLed and restarted.
 * Every run writes its counts to target/it-work/NAME.counts (RELIABILITY.md quotes them).
 */
class ReliabilityIT extends BrokerIT {
    private static final Path WORK = Path.of("target", "it-work");
    private final WireFormat wire = new SingleObjectWireFormat();

    static Map<String, String> settings(String name, String guarantee) throws Exception {
        Map<String, String> s = TestServices.settings(broker.bootstrap(), name, guarantee, 6);
        s.put("gptjt.topics.allowed-reply-topics", name + ".replies");
        return s;
    }

    private static PromptRequest.Builder request(String id, String prompt) {
        return PromptRequest.newBuilder()
                .setId(id)
                .setPrompt(prompt)
                .setCreatedAt(Instant.now().truncatedTo(ChronoUnit.MILLIS));
    }

    private static void record(String name, String summary) throws Exception {
        System.out.println(summary);
        Files.writeString(WORK.resolve(name + ".counts"), summary + "\n");
    }

    @Test
    void shouldAnswerEveryPoisonRecordWithTheRightFailureAndEveryValidOne() throws Exception {
        String name = "poison";
        String prompts = name + ".prompts";
        Map<String, FailureReason> poison = new LinkedHashMap<>();
        List<byte[]> values = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        // unreadable: random bytes, truncated Avro, a valid Avro record of another schema
        byte[] random = new byte[64];
        new Random(11).nextBytes(random);
        byte[] valid = wire.encode(prompts, request("x", "Hi").build());
        Schema other =
                SchemaBuilder.record("Other").fields().requiredString("x").endRecord();
        GenericRecord otherRecord = new GenericData.Record(other);
        otherRecord.put("x", "y");
        byte[] foreign = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), other)
                .encode(otherRecord)
                .array();
        for (byte[] v : List.of(random, Arrays.copyOf(valid, valid.length - 4), foreign)) {
            values.add(v);
            keys.add("unreadable-" + values.size());
        }
        Map<PromptRequest, FailureReason> invalid = new LinkedHashMap<>();
        invalid.put(request("", "Hi").build(), FailureReason.INVALID_ID);
        invalid.put(request(" ", "Hi").build(), FailureReason.INVALID_ID);
        invalid.put(request("empty", "").build(), FailureReason.EMPTY_PROMPT);
        invalid.put(request("blank", " \n\t ").build(), FailureReason.EMPTY_PROMPT);
        invalid.put(request("context", "word ".repeat(2100)).build(), FailureReason.PROMPT_TOO_LONG);
        invalid.put(request("megabyte", "x".repeat(1 << 20)).build(), FailureReason.PROMPT_TOO_LONG);
        invalid.put(
                request("mnt0", "Hi")
                        .setParams(
                                GenerationParams.newBuilder().setMaxNewTokens(0).build())
                        .build(),
                FailureReason.INVALID_PARAMETER);
        invalid.put(
                request("mntneg", "Hi")
                        .setParams(GenerationParams.newBuilder()
                                .setMaxNewTokens(-4)
                                .build())
                        .build(),
                FailureReason.INVALID_PARAMETER);
        invalid.put(
                request("mntcap", "Hi")
                        .setParams(GenerationParams.newBuilder()
                                .setMaxNewTokens(100_000)
                                .build())
                        .build(),
                FailureReason.INVALID_PARAMETER);
        invalid.put(
                request("tempneg", "Hi")
                        .setParams(
                                GenerationParams.newBuilder().setTemperature(-1).build())
                        .build(),
                FailureReason.INVALID_PARAMETER);
        invalid.put(
                request("tempnan", "Hi")
                        .setParams(GenerationParams.newBuilder()
                                .setTemperature(Double.NaN)
                                .build())
                        .build(),
                FailureReason.INVALID_PARAMETER);
        invalid.put(
                request("topp", "Hi")
                        .setParams(GenerationParams.newBuilder().setTopP(1.01).build())
                        .build(),
                FailureReason.INVALID_PARAMETER);
        invalid.put(
                request("topk", "Hi")
                        .setParams(GenerationParams.newBuilder().setTopK(-2).build())
                        .build(),
                FailureReason.INVALID_PARAMETER);
        invalid.put(request("task", "Hi").setTask("no-such-task").build(), FailureReason.UNKNOWN_TASK);
        invalid.put(request("reply", "Hi").setReplyTopic("not-allowed").build(), FailureReason.REPLY_TOPIC_NOT_ALLOWED);
        invalid.put(
                request("secret", "PRIVATE-PROMPT-TEXT-1234 with a task")
                        .setTask("no-such-task")
                        .build(),
                FailureReason.UNKNOWN_TASK);
        invalid.put(
                request("late", "Hi")
                        .setDeadlineAt(Instant.now().minusSeconds(1).truncatedTo(ChronoUnit.MILLIS))
                        .build(),
                FailureReason.DEADLINE_EXCEEDED);
        for (PromptRequest r : invalid.keySet()) {
            values.add(wire.encode(prompts, r));
            keys.add("invalid-" + r.getId());
        }
        int validCount = 60;
        try (ServiceProcess service =
                ServiceProcess.start(settings(name, "at_least_once"), WORK.resolve(name + ".log"))) {
            Topics.awaitTopics(
                    broker.bootstrap(), Duration.ofSeconds(120), prompts, name + ".completions", name + ".failures");
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                    Map.of(
                            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                            broker.bootstrap(),
                            ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
                            4 << 20),
                    new ByteArraySerializer(),
                    new ByteArraySerializer())) {
                // valid prompts interleaved with the poison
                int v = 0;
                for (int i = 0; i < values.size(); i++) {
                    for (int k = 0; k < 3 && v < validCount; k++, v++) {
                        producer.send(new ProducerRecord<>(
                                prompts,
                                ("ok-" + v).getBytes(StandardCharsets.UTF_8),
                                wire.encode(
                                        prompts,
                                        request("ok-" + v, "Input: " + v + "\nOutput:")
                                                .build())));
                    }
                    producer.send(new ProducerRecord<>(
                                    prompts, keys.get(i).getBytes(StandardCharsets.UTF_8), values.get(i)))
                            .get(); // a refused send must fail the test
                }
                for (; v < validCount; v++) {
                    producer.send(new ProducerRecord<>(
                            prompts,
                            ("ok-" + v).getBytes(StandardCharsets.UTF_8),
                            wire.encode(
                                    prompts,
                                    request("ok-" + v, "Input: " + v + "\nOutput:")
                                            .build())));
                }
            }
            int in = values.size() + validCount;
            var results = Topics.readUntil(
                    broker.bootstrap(),
                    name + ".completions",
                    false,
                    Duration.ofSeconds(120),
                    r -> r.size() >= validCount);
            var failures = Topics.readUntil(
                    broker.bootstrap(),
                    name + ".failures",
                    false,
                    Duration.ofSeconds(60),
                    r -> r.size() >= values.size());
            Map<String, FailureReason> byId = new HashMap<>();
            Map<FailureReason, Integer> byReason = new TreeMap<>();
            int unreadable = 0;
            for (ConsumerRecord<byte[], byte[]> f : failures) {
                PromptFailure pf = wire.decode(f.topic(), f.value(), PromptFailure.class);
                byReason.merge(pf.getReason(), 1, Integer::sum);
                if (pf.getReason() == FailureReason.UNREADABLE) {
                    unreadable++;
                    assertTrue(pf.getOriginal() != null, "unreadable records keep their bytes");
                } else {
                    byId.put(pf.getId() + "|" + new String(f.key(), StandardCharsets.UTF_8), pf.getReason());
                }
            }
            String summary = String.format(
                    "poison matrix: records in %d = %d valid + %d poison; completions %d, failures %d %s; lost %d",
                    in,
                    validCount,
                    values.size(),
                    results.size(),
                    failures.size(),
                    byReason,
                    in - results.size() - failures.size());
            record(name, summary);
            assertEquals(validCount, results.size(), summary);
            assertEquals(values.size(), failures.size(), summary);
            assertEquals(3, unreadable);
            invalid.forEach(
                    (r, reason) -> assertEquals(reason, byId.get(r.getId() + "|invalid-" + r.getId()), r.getId()));
            for (ConsumerRecord<byte[], byte[]> c : results) {
                assertTrue(wire.decode(c.topic(), c.value(), Completion.class)
                        .getId()
                        .startsWith("ok-"));
            }
            assertTrue(
                    !Files.readString(WORK.resolve(name + ".log")).contains("PRIVATE-PROMPT-TEXT"),
                    "prompt text is never logged");
            for (ConsumerRecord<byte[], byte[]> f : failures) {
                assertTrue(
                        !wire.decode(f.topic(), f.value(), PromptFailure.class)
                                .getMessage()
                                .contains("PRIVATE-PROMPT-TEXT"),
                        "failure messages do not quote prompts");
            }
        }
    }

    @Test
    void shouldResumeAfterTheBrokerRestartsMidStream() throws Exception {
        String name = "broker-restart";
        int n = 200;
        try (ServiceProcess service =
                ServiceProcess.start(settings(name, "at_least_once"), WORK.resolve(name + ".log"))) {
            Topics.awaitTopics(broker.bootstrap(), Duration.ofSeconds(120), name + ".prompts", name + ".completions");
            List<PromptRequest> first = new ArrayList<>();
            List<PromptRequest> second = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                PromptRequest r = request(name + "-" + i, "Input: " + i + "\nOutput:")
                        .setParams(GenerationParams.newBuilder()
                                .setMaxNewTokens(24)
                                .build())
                        .build();
                (i < n / 2 ? first : second).add(r);
            }
            Topics.send(broker.bootstrap(), name + ".prompts", wire, first);
            Topics.readUntil(
                    broker.bootstrap(), name + ".completions", false, Duration.ofSeconds(60), r -> r.size() >= 10);
            Path log = WORK.resolve(name + ".log");
            long before = Files.size(log);
            broker.stopProcess();
            // down until the service has seen it gone (its Kafka clients fail to reconnect), not for a guessed time
            Await.until(
                    "the service's Kafka clients to find the broker gone",
                    Duration.ofSeconds(60),
                    () -> logSince(log, before).contains("may not be available"),
                    service::logTail);
            broker.startProcess();
            Topics.send(broker.bootstrap(), name + ".prompts", wire, second);
            var records = Topics.readUntil(
                    broker.bootstrap(), name + ".completions", false, Duration.ofSeconds(240), r -> ids(r).size() >= n);
            int distinct = ids(records).size();
            String summary = String.format(
                    "broker restart: sent %d, answered %d distinct ids, %d records, %d duplicated, lost %d",
                    n, distinct, records.size(), records.size() - distinct, n - distinct);
            record(name, summary);
            assertEquals(n, distinct, () -> summary + "\n" + service.logTail());
        }
    }

    @Test
    void shouldAnswerEveryIdWhenOneOfTwoInstancesIsKilledAndRestarted() throws Exception {
        twoInstances("two-instances-alo", "at_least_once", false);
    }

    @Test
    void shouldAnswerEachIdExactlyOnceWhenOneOfTwoInstancesIsKilledUnderExactlyOnce() throws Exception {
        twoInstances("two-instances-eos", "exactly_once_v2", true);
    }

    private void twoInstances(String name, String guarantee, boolean exactlyOnce) throws Exception {
        int n = 600;
        Map<String, String> a = settings(name, guarantee);
        Map<String, String> b = new HashMap<>(a);
        b.put(
                "kafka-streams.state.dir",
                Files.createTempDirectory(WORK, "state-").toString());
        String completions = name + ".completions";
        try (ServiceProcess first = ServiceProcess.start(a, WORK.resolve(name + "-a.log"))) {
            ServiceProcess second = ServiceProcess.start(b, WORK.resolve(name + "-b1.log"));
            Topics.awaitTopics(broker.bootstrap(), Duration.ofSeconds(120), name + ".prompts", completions);
            List<PromptRequest> sent = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                sent.add(request(name + "-" + i, "Input: tweet " + i + "\nOutput:")
                        .setParams(GenerationParams.newBuilder()
                                .setMaxNewTokens(32)
                                .build())
                        .build());
            }
            Topics.send(broker.bootstrap(), name + ".prompts", wire, sent);
            int beforeKill = Topics.readUntil(
                            broker.bootstrap(), completions, exactlyOnce, Duration.ofSeconds(120), r -> r.size() >= 60)
                    .size();
            second.kill();
            ServiceProcess restarted = ServiceProcess.start(b, WORK.resolve(name + "-b2.log"));
            try {
                var records = Topics.readUntil(
                        broker.bootstrap(), completions, exactlyOnce, Duration.ofSeconds(300), r -> ids(r).size() >= n);
                int distinct = ids(records).size();
                String summary = String.format(
                        "%s (%s): 2 instances, 6 partitions, one SIGKILLed after %d answers and restarted: "
                                + "sent %d, answered %d distinct ids, %d records, %d duplicated, lost %d",
                        name,
                        guarantee,
                        beforeKill,
                        n,
                        distinct,
                        records.size(),
                        records.size() - distinct,
                        n - distinct);
                record(name, summary);
                assertTrue(beforeKill < n, "killed while prompts were pending");
                assertEquals(n, distinct, () -> summary + "\n" + first.logTail());
                if (exactlyOnce) {
                    assertEquals(n, records.size(), summary);
                }
            } finally {
                restarted.close();
            }
        }
    }

    private Set<String> ids(List<ConsumerRecord<byte[], byte[]>> records) {
        Set<String> ids = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            ids.add(wire.decode(r.topic(), r.value(), Completion.class).getId());
        }
        return ids;
    }

    /** What the log gained after its first {@code offset} bytes. */
    private static String logSince(Path log, long offset) {
        try {
            byte[] all = Files.readAllBytes(log);
            int from = (int) Math.min(offset, all.length);
            return new String(all, from, all.length - from, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
