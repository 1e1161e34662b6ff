package dev.gptjt.cli.kafka;

import dev.gptjt.cli.CliException;
import dev.gptjt.cli.KafkaOptions;
import dev.gptjt.schema.Classification;
import dev.gptjt.schema.PromptRequest;
import dev.gptjt.schema.wire.WireFormat;
import dev.gptjt.schema.wire.WireFormatException;
import dev.gptjt.tasks.TaskDefinition;
import dev.gptjt.tasks.cascade.Distiller;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * A running service's history as training data: the task's prompts (from the prompts topic) and the
 * labels GPT-JT gave them (the task's Classification records whose {@code model.backend} is not the
 * cascade's own), joined by request id. Reads each topic from its start to where it ended when reading
 * began; records it cannot decode are skipped.
 */
public final class HistoryReader {
    static final String CASCADE_BACKEND = "cascade";

    private HistoryReader() {}

    public static List<Distiller.Labeled> read(
            KafkaOptions kafka, String promptsTopic, TaskDefinition task, Duration timeout) {
        KafkaClients.requireReachable(kafka.bootstrap());
        Map<String, String> texts = new HashMap<>();
        Map<String, String> labels = new HashMap<>();
        try (WireFormat wire = KafkaClients.wire(kafka.wire(), kafka.registryUrl())) {
            readAll(kafka.bootstrap(), wire, promptsTopic, timeout, (id, r) -> {
                if (r instanceof PromptRequest p && task.name().equals(p.getTask())) {
                    texts.put(p.getId(), p.getPrompt());
                }
            });
            readAll(kafka.bootstrap(), wire, task.topic(), timeout, (id, r) -> {
                if (r instanceof Classification c
                        && task.name().equals(c.getTask())
                        && !CASCADE_BACKEND.equals(c.getModel().getBackend())) {
                    labels.put(c.getId(), c.getLabel());
                }
            });
        }
        List<Distiller.Labeled> out = new ArrayList<>();
        labels.forEach((id, label) -> {
            String text = texts.get(id);
            if (text != null) {
                out.add(new Distiller.Labeled(text, label));
            }
        });
        out.sort((a, b) -> a.text().compareTo(b.text())); // a stable order: the split is seeded
        return out;
    }

    private static void readAll(
            String bootstrap,
            WireFormat wire,
            String topic,
            Duration timeout,
            BiConsumer<String, SpecificRecord> sink) {
        try (KafkaConsumer<byte[], byte[]> consumer = KafkaClients.committedReader(bootstrap)) {
            List<TopicPartition> partitions =
                    KafkaClients.assignAll(consumer, topic, "topic " + topic + " does not exist");
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new CliException(
                            "--timeout: " + topic + " not read to its end within " + timeout.toSeconds() + " s");
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    try {
                        sink.accept(r.topic(), wire.decode(r.topic(), r.value()));
                    } catch (WireFormatException skipped) {
                        // not one of our records: not training data
                    }
                }
            }
        }
    }
}
