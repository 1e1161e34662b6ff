package dev.gptjt.cli.kafka;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gptjt.cli.CommonOptions;
import dev.gptjt.cli.IoCommand;
import dev.gptjt.cli.KafkaOptions;
import dev.gptjt.cli.OptionDefaults;
import dev.gptjt.schema.wire.WireFormat;
import dev.gptjt.schema.wire.WireFormatException;
import dev.gptjt.tasks.DefaultTopics;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code gptjt tail}: decodes Completion, PromptFailure (any record of this project's schemas) to one
 * JSON object per line, every field by its Avro name. Reads committed data only, so an exactly-once
 * service's aborted writes never show.
 */
@OptionDefaults("--topic=" + DefaultTopics.COMPLETIONS)
@Command(
        name = "tail",
        mixinStandardHelpOptions = true,
        description = {
            "Completion and PromptFailure records as JSON lines, every field by its Avro name (committed records only).",
            "Stops after --count records (0: never), or with exit 1 when --timeout passes first."
        })
public final class TailCommand extends IoCommand {
    @Mixin
    KafkaOptions kafka;

    @Mixin
    KafkaOptions.Topic topicOption;

    @Mixin
    CommonOptions.Count countOption;

    @Mixin
    CommonOptions.Timeout timeoutOption;

    @Option(names = "--from-beginning", description = "Read the topic from its start instead of only new records.")
    boolean fromBeginning;

    @Override
    public Integer call() {
        String topic = topicOption.name();
        int count = countOption.count();
        Duration timeout = timeoutOption.timeout();
        String bootstrap = kafka.bootstrap();
        KafkaClients.requireReachable(bootstrap);
        int seen = 0;
        try (WireFormat wire = KafkaClients.wire(kafka.wire(), kafka.registryUrl());
                KafkaConsumer<byte[], byte[]> consumer = KafkaClients.committedReader(bootstrap)) {
            List<TopicPartition> partitions = KafkaClients.assignAll(
                    consumer,
                    topic,
                    "topic " + topic + " does not exist (yet): start 'bin/gptjt serve', which creates it");
            if (fromBeginning) {
                consumer.seekToBeginning(partitions);
            } else {
                consumer.seekToEnd(partitions);
            }
            long deadline = timeout.isZero() ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
            while (seen < count && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    out.println(render(wire, r));
                    out.flush();
                    if (++seen >= count) {
                        break;
                    }
                }
            }
        }
        if (seen < count && count != Integer.MAX_VALUE) {
            err.println("gptjt tail: timed out after " + timeout.toSeconds() + " s with " + seen + " of " + count
                    + " records");
            return 1;
        }
        return 0;
    }

    static String render(WireFormat wire, ConsumerRecord<byte[], byte[]> r) {
        try {
            return AvroJson.toJson(wire.decode(r.topic(), r.value())).toString();
        } catch (WireFormatException e) {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            o.put("undecodable", e.getMessage());
            o.put("topic", r.topic());
            o.put("partition", r.partition());
            o.put("offset", r.offset());
            return o.toString();
        }
    }
}
