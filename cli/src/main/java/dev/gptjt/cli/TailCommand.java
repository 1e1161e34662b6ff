package dev.gptjt.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gptjt.engine.cli.Args;
import dev.gptjt.schema.wire.WireFormat;
import dev.gptjt.schema.wire.WireFormatException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * {@code gptjt tail}: decodes Completion, PromptFailure (any record of this project's schemas) to one
 * JSON object per line, every field by its Avro name. Reads committed data only, so an exactly-once
 * service's aborted writes never show.
 */
final class TailCommand {
    static final List<String> OPTIONS = List.of("bootstrap", "topic", "count", "timeout", "from-beginning", "wire", "registry-url");

    private TailCommand() {}

    static int run(Args args, PrintStream out, PrintStream err) {
        args.allow(OPTIONS);
        String bootstrap = args.get("bootstrap", "localhost:9092");
        String topic = args.get("topic", "gptjt.completions");
        int count = args.intValue("count", Integer.MAX_VALUE);
        int timeoutSeconds = args.intValue("timeout", 0);
        KafkaClients.requireReachable(bootstrap);
        int seen = 0;
        try (WireFormat wire = KafkaClients.wire(args.get("wire", "single-object"), args.get("registry-url", null));
             KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                     ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                     ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                     ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            var infos = consumer.partitionsFor(topic, Duration.ofSeconds(15));
            if (infos == null || infos.isEmpty()) {
                throw new CliException("topic " + topic + " does not exist (yet): start 'bin/gptjt serve', which creates it");
            }
            List<TopicPartition> partitions = infos.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            if (args.flag("from-beginning")) {
                consumer.seekToBeginning(partitions);
            } else {
                consumer.seekToEnd(partitions);
            }
            long deadline = timeoutSeconds > 0 ? System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos() : Long.MAX_VALUE;
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
            err.println("gptjt tail: timed out after " + timeoutSeconds + " s with " + seen + " of " + count + " records");
            return 1;
        }
        return 0;
    }

    static String render(WireFormat wire, ConsumerRecord<byte[], byte[]> r) {
        try {
            return AvroJson.toJson(wire.decode(r.topic(), r.value())).toString();
        } catch (WireFormatException e) {
            ObjectNode o = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
            o.put("undecodable", e.getMessage());
            o.put("topic", r.topic());
            o.put("partition", r.partition());
            o.put("offset", r.offset());
            return o.toString();
        }
    }
}
