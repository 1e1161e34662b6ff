package dev.gptjt.cli.kafka;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gptjt.cli.IoCommand;
import dev.gptjt.cli.KafkaOptions;
import dev.gptjt.cli.OptionDefaults;
import dev.gptjt.schema.PromptRequest;
import dev.gptjt.schema.wire.WireFormat;
import dev.gptjt.tasks.DefaultTopics;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code gptjt send}: JSONL prompts on stdin → PromptRequest records. */
@OptionDefaults("--topic=" + DefaultTopics.PROMPTS)
@Command(
        name = "send",
        mixinStandardHelpOptions = true,
        description = {
            "JSON lines on standard input to PromptRequest records.",
            "A line: {\"id\", \"prompt\", \"task\", \"max_new_tokens\", \"temperature\", \"top_k\", \"top_p\", \"seed\", \"stop\",",
            "\"deadline_ms\", \"reply_topic\", \"attributes\"}; only \"prompt\" is required. Prints how many were sent."
        })
public final class SendCommand extends IoCommand {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Mixin
    KafkaOptions kafka;

    @Mixin
    KafkaOptions.Topic topicOption;

    @Override
    public Integer call() throws IOException {
        BufferedReader in = lines();
        String topic = topicOption.name();
        String bootstrap = kafka.bootstrap();
        KafkaClients.requireReachable(bootstrap);
        int sent = 0;
        int skipped = 0;
        Deliveries deliveries = new Deliveries();
        try (WireFormat wire = KafkaClients.wire(kafka.wire(), kafka.registryUrl());
                KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(bootstrap)) {
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
                producer.send(
                        new ProducerRecord<>(
                                topic, request.getId().getBytes(StandardCharsets.UTF_8), wire.encode(topic, request)),
                        deliveries);
                sent++;
            }
            producer.flush();
        }
        int failed = deliveries.failed();
        out.println("sent " + (sent - failed) + " prompts to " + topic
                + (skipped > 0 ? " (" + skipped + " lines skipped)" : ""));
        if (failed > 0) {
            err.println(
                    "gptjt send: " + failed + " prompts not delivered to " + topic + ": " + deliveries.firstError());
        }
        return skipped > 0 || failed > 0 ? 1 : 0;
    }
}
