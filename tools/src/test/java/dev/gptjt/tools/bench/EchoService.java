package dev.gptjt.tools.bench;

import dev.gptjt.schema.Completion;
import dev.gptjt.schema.FinishReason;
import dev.gptjt.schema.ModelInfo;
import dev.gptjt.schema.PromptRequest;
import dev.gptjt.schema.wire.SingleObjectWireFormat;
import dev.gptjt.schema.wire.WireFormat;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A stand-in for the service in the benches' own tests, over a real broker: it reads prompts from the topics it is
 * given and answers each at once with a {@link Completion} on the completions topic. Which topics it reads is the
 * point: one that reads the bulk topic answers a bulk backlog, one that does not leaves it unread, as today's service.
 */
final class EchoService implements AutoCloseable {
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final KafkaProducer<byte[], byte[]> producer;
    private final Thread loop;
    private volatile boolean closed;

    EchoService(String bootstrap, List<String> promptTopics, String completionsTopic) {
        WireFormat wire = new SingleObjectWireFormat();
        consumer = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrap,
                        ConsumerConfig.GROUP_ID_CONFIG,
                        "echo-" + System.nanoTime(),
                        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                        "earliest"),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.LINGER_MS_CONFIG, 1),
                new ByteArraySerializer(),
                new ByteArraySerializer());
        consumer.subscribe(promptTopics);
        loop = new Thread(
                () -> {
                    try {
                        while (!closed) {
                            for (ConsumerRecord<byte[], byte[]> rec : consumer.poll(Duration.ofMillis(100))) {
                                PromptRequest r = wire.decode(rec.topic(), rec.value(), PromptRequest.class);
                                Completion c = Completion.newBuilder()
                                        .setId(r.getId())
                                        .setText("echo")
                                        .setFinishReason(FinishReason.LENGTH)
                                        .setPromptTokens(1)
                                        .setCompletionTokens(1)
                                        .setModel(ModelInfo.newBuilder()
                                                .setName("echo")
                                                .setSha256("")
                                                .build())
                                        .setRequestCreatedAt(r.getCreatedAt())
                                        .setCreatedAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                                        .setQueuedMs(0)
                                        .setInferenceMs(0)
                                        .setBatchSize(1)
                                        .build();
                                producer.send(new ProducerRecord<>(
                                        completionsTopic, rec.key(), wire.encode(completionsTopic, c)));
                            }
                            producer.flush();
                        }
                    } catch (WakeupException closing) {
                        // close() woke the poll
                    }
                },
                "echo-service");
        loop.start();
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        consumer.wakeup();
        loop.join();
        consumer.close();
        producer.close();
    }
}
