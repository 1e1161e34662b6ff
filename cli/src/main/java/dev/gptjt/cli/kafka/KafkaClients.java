package dev.gptjt.cli.kafka;

import dev.gptjt.cli.CliException;
import dev.gptjt.schema.wire.WireFormat;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Shared bits of the Kafka commands: reachability check with a clear message, reading topics, wire format choice. */
final class KafkaClients {
    private KafkaClients() {}

    /** @throws CliException when no broker answers at {@code bootstrap} within 15 s */
    static void requireReachable(String bootstrap) {
        try (Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                5000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                15000))) {
            admin.describeCluster().nodes().get(15, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new CliException("cannot reach Kafka at " + bootstrap
                    + " (is 'bin/gptjt broker' running? pass --bootstrap HOST:PORT)");
        }
    }

    /**
     * A consumer of raw records that reads committed data only (an exactly-once service's aborted writes
     * never show) and commits nothing: the commands read, they do not take part in a group.
     */
    static KafkaConsumer<byte[], byte[]> committedReader(String bootstrap) {
        return new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrap,
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                        "read_committed",
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                        false),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
    }

    /**
     * Every partition of {@code topic}, assigned to {@code consumer}.
     *
     * @throws CliException {@code missing} when the topic does not exist
     */
    static List<TopicPartition> assignAll(KafkaConsumer<?, ?> consumer, String topic, String missing) {
        List<TopicPartition> partitions = partitionsOf(consumer, topic);
        if (partitions.isEmpty()) {
            throw new CliException(missing);
        }
        consumer.assign(partitions);
        return partitions;
    }

    /** Every partition of {@code topic}; none when the topic does not exist. */
    static List<TopicPartition> partitionsOf(KafkaConsumer<?, ?> consumer, String topic) {
        var infos = consumer.partitionsFor(topic, Duration.ofSeconds(15));
        if (infos == null) {
            return List.of();
        }
        return infos.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
    }

    /** A producer of raw records that waits for every in-sync replica and writes each record once. */
    static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
        return new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrap,
                        ProducerConfig.ACKS_CONFIG,
                        "all",
                        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                        true,
                        ProducerConfig.LINGER_MS_CONFIG,
                        5),
                new ByteArraySerializer(),
                new ByteArraySerializer());
    }

    static WireFormat wire(String format, String registryUrl) {
        WireFormat.Kind kind;
        try {
            kind = WireFormat.Kind.parse(format);
        } catch (IllegalArgumentException e) {
            throw new CliException("--wire must be single-object or registry, got '" + format + "'");
        }
        if (kind == WireFormat.Kind.REGISTRY && registryUrl == null) {
            throw new CliException("--wire registry needs --registry-url URL");
        }
        Map<String, Object> config = new HashMap<>();
        if (registryUrl != null) {
            config.put("apicurio.registry.url", registryUrl);
        }
        return WireFormat.create(kind, config);
    }
}
