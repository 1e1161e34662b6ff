package dev.gptjt.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gptjt.engine.task.DefaultTopics;
import dev.gptjt.schema.PromptRequest;
import dev.gptjt.schema.wire.WireFormat;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code gptjt send}: JSONL prompts on stdin → PromptRequest records. */
@Command(
        name = "send",
        mixinStandardHelpOptions = true,
        description = {
            "JSON lines on standard input to PromptRequest records.",
            "A line: {\"id\", \"prompt\", \"task\", \"max_new_tokens\", \"temperature\", \"top_k\", \"top_p\", \"seed\", \"stop\",",
            "\"deadline_ms\", \"reply_topic\", \"attributes\"}; only \"prompt\" is required. Prints how many were sent."
        })
final class SendCommand extends KafkaSideCommand {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Mixin
    KafkaOptions kafka;

    @Option(
            names = "--topic",
            paramLabel = "TOPIC",
            defaultValue = DefaultTopics.PROMPTS,
            description = "Where the records go (default: ${DEFAULT-VALUE}).")
    String topic;

    @Override
    public Integer call() throws IOException {
        BufferedReader in = lines();
        String bootstrap = kafka.bootstrap;
        KafkaClients.requireReachable(bootstrap);
        int sent = 0;
        int skipped = 0;
        try (WireFormat wire = KafkaClients.wire(kafka.wire, kafka.registryUrl);
                KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
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
                        new ByteArraySerializer())) {
            int lineNo = 0;
            for (String line; (line = in.readLine()) != null; ) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                PromptRequest request;
                try {
                    request = PromptJson.parse(
                            JSON.readTree(line), UUID.randomUUID().toString());
                } catch (IOException | IllegalArgumentException e) {
                    err.println("gptjt send: line " + lineNo + " skipped: " + e.getMessage());
                    skipped++;
                    continue;
                }
                producer.send(new ProducerRecord<>(
                        topic, request.getId().getBytes(StandardCharsets.UTF_8), wire.encode(topic, request)));
                sent++;
            }
            producer.flush();
        }
        out.println("sent " + sent + " prompts to " + topic + (skipped > 0 ? " (" + skipped + " lines skipped)" : ""));
        return skipped > 0 ? 1 : 0;
    }
}
