package dev.gptjt.cli.kafka;

import dev.gptjt.cli.CliException;
import dev.gptjt.cli.KafkaOptions;
import dev.gptjt.schema.Classification;
import dev.gptjt.schema.PromptRequest;
import dev.gptjt.schema.ReviewVerdict;
import dev.gptjt.schema.wire.WireFormat;
import dev.gptjt.schema.wire.WireFormatException;
import dev.gptjt.tasks.TaskDefinition;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * A running service's history as training data: the task's prompts (from the prompts topic), the labels
 * GPT-JT gave them (the task's Classification records the cascade did not answer) and the verdicts reviewers
 * wrote back (ReviewVerdict records on the verdicts topic, over GPT-JT's labels), joined by request id
 * ({@link TrainingLabels}). Reads each topic from its start to where it ended when reading began; records it
 * cannot decode are skipped.
 */
public final class HistoryReader {
    private HistoryReader() {}

    /**
     * @param verdictsTopic where reviewers write their verdicts; a topic that does not exist means none
     * @throws CliException when the broker is unreachable, the prompts or result topic does not exist, or a
     *     topic is not read to its end within {@code timeout}
     */
    public static TrainingLabels.TrainingSet read(
            KafkaOptions kafka, String promptsTopic, String verdictsTopic, TaskDefinition task, Duration timeout) {
        KafkaClients.requireReachable(kafka.bootstrap());
        TrainingLabels labels = new TrainingLabels(task);
        boolean verdictsFound;
        try (WireFormat wire = KafkaClients.wire(kafka.wire(), kafka.registryUrl())) {
            readAll(kafka.bootstrap(), wire, promptsTopic, timeout, true, r -> {
                if (r instanceof PromptRequest p) {
                    labels.prompt(p);
                }
            });
            readAll(kafka.bootstrap(), wire, task.topic(), timeout, true, r -> {
                if (r instanceof Classification c) {
                    labels.classification(c);
                }
            });
            verdictsFound = readAll(kafka.bootstrap(), wire, verdictsTopic, timeout, false, r -> {
                if (r instanceof ReviewVerdict v) {
                    labels.verdict(v);
                }
            });
        }
        return labels.trainingSet(verdictsFound);
    }

    /**
     * Every record of {@code topic} up to its end when reading began, in each partition's order.
     *
     * @return false when the topic does not exist and {@code required} is false
     */
    private static boolean readAll(
            String bootstrap,
            WireFormat wire,
            String topic,
            Duration timeout,
            boolean required,
            Consumer<SpecificRecord> sink) {
        try (KafkaConsumer<byte[], byte[]> consumer = KafkaClients.committedReader(bootstrap)) {
            List<TopicPartition> partitions = KafkaClients.partitionsOf(consumer, topic);
            if (partitions.isEmpty()) {
                if (required) {
                    throw new CliException("topic " + topic + " does not exist");
                }
                return false;
            }
            consumer.assign(partitions);
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
                        sink.accept(wire.decode(r.topic(), r.value()));
                    } catch (WireFormatException skipped) {
                        // not one of our records: not training data
                    }
                }
            }
            return true;
        }
    }
}
