package dev.gptjt.testing;

import dev.gptjt.engine.testing.Await;
import dev.gptjt.schema.Completion;
import dev.gptjt.schema.GenerationParams;
import dev.gptjt.schema.PromptRequest;
import dev.gptjt.schema.wire.WireFormat;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Plain Kafka clients for tests: send encoded prompts, read whole topics. */
public final class Topics {
    private Topics() {}

    /** {@code n} short generations {@code prefix-0 … prefix-(n-1)}, {@code maxNewTokens} tokens each. */
    public static List<PromptRequest> generations(String prefix, int n, int maxNewTokens) {
        return IntStream.range(0, n)
                .mapToObj(i -> PromptRequest.newBuilder()
                        .setId(prefix + "-" + i)
                        .setPrompt("Input: message number " + i + "\nOutput:")
                        .setParams(GenerationParams.newBuilder()
                                .setMaxNewTokens(maxNewTokens)
                                .build())
                        .setCreatedAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                        .build())
                .toList();
    }

    /**
     * Sends {@code prompts} to {@code NAME.prompts} and reads {@code NAME.completions} until as many
     * completions are there (at most 120 s); their ids, sorted.
     */
    public static List<String> answeredIds(
            String bootstrap, String name, WireFormat wire, List<PromptRequest> prompts) {
        send(bootstrap, name + ".prompts", wire, prompts);
        return readUntil(
                        bootstrap,
                        name + ".completions",
                        false,
                        Duration.ofSeconds(120),
                        r -> r.size() >= prompts.size())
                .stream()
                .map(r -> wire.decode(r.topic(), r.value(), Completion.class).getId())
                .sorted()
                .toList();
    }

    /** Waits until every topic exists (the service creates its topics when it starts). */
    public static void awaitTopics(String bootstrap, Duration timeout, String... topics) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            while (System.nanoTime() < deadline) {
                try {
                    if (admin.listTopics().names().get().containsAll(List.of(topics))) {
                        return;
                    }
                } catch (ExecutionException retry) {
                    // broker busy; ask again
                }
                Thread.sleep(200);
            }
        }
        throw new IllegalStateException("topics " + List.of(topics) + " did not appear within " + timeout);
    }

    public static void send(String bootstrap, String topic, WireFormat wire, List<PromptRequest> requests) {
        send(bootstrap, topic, wire, requests, r -> r.getId().getBytes(StandardCharsets.UTF_8));
    }

    /** Sends {@code requests}, each keyed by {@code key} (Kafka's default partitioner places it by the key). */
    public static void send(
            String bootstrap,
            String topic,
            WireFormat wire,
            List<PromptRequest> requests,
            java.util.function.Function<PromptRequest, byte[]> key) {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrap,
                        ProducerConfig.ACKS_CONFIG,
                        "all",
                        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                        true),
                new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (PromptRequest r : requests) {
                producer.send(new ProducerRecord<>(topic, key.apply(r), wire.encode(topic, r)));
            }
            producer.flush();
        }
    }

    /**
     * Reads {@code topic} from the beginning until {@code done} holds for everything read, or the
     * timeout passes; returns what was read.
     *
     * @param readCommitted read only committed transactions (exactly-once consumers)
     */
    public static List<ConsumerRecord<byte[], byte[]>> readUntil(
            String bootstrap,
            String topic,
            boolean readCommitted,
            Duration timeout,
            Predicate<List<ConsumerRecord<byte[], byte[]>>> done) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = fromBeginning(bootstrap, topic, readCommitted)) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline && !done.test(records)) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }

    /**
     * Reads {@code topic} from its beginning to its end as it is now (its end offsets, asked for first): everything
     * written so far, without waiting a guessed time for stragglers.
     *
     * @throws AssertionError when the end is not reached within 60 s
     */
    public static List<ConsumerRecord<byte[], byte[]>> readAll(String bootstrap, String topic) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = fromBeginning(bootstrap, topic, false)) {
            Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment(), Duration.ofSeconds(30));
            Await.until(
                    "the end of " + topic,
                    Duration.ofSeconds(60),
                    () -> {
                        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                        return end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
                    },
                    () -> records.size() + " read, end offsets " + end);
        }
        return records;
    }

    /** A consumer of every partition of {@code topic}, at their beginning, committing nothing. */
    private static KafkaConsumer<byte[], byte[]> fromBeginning(String bootstrap, String topic, boolean readCommitted) {
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrap,
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                        readCommitted ? "read_committed" : "read_uncommitted",
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                        false),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        try {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            return consumer;
        } catch (RuntimeException e) {
            consumer.close();
            throw e;
        }
    }
}
