package dev.gptjt.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gptjt.engine.cli.Args;
import dev.gptjt.schema.PromptRequest;
import dev.gptjt.schema.wire.WireFormat;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** {@code gptjt send}: JSONL prompts on stdin → PromptRequest records. */
final class SendCommand {
    static final List<String> OPTIONS = List.of("bootstrap", "topic", "wire", "registry-url");
    private static final ObjectMapper JSON = new ObjectMapper();

    private SendCommand() {}

    static int run(Args args, BufferedReader in, PrintStream out, PrintStream err) throws IOException {
        args.allow(OPTIONS);
        String bootstrap = args.get("bootstrap", "localhost:9092");
        String topic = args.get("topic", "gptjt.prompts");
        KafkaClients.requireReachable(bootstrap);
        int sent = 0;
        int skipped = 0;
        try (WireFormat wire = KafkaClients.wire(args.get("wire", "single-object"), args.get("registry-url", null));
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                     ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                     ProducerConfig.ACKS_CONFIG, "all",
                     ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                     ProducerConfig.LINGER_MS_CONFIG, 5), new ByteArraySerializer(), new ByteArraySerializer())) {
            int lineNo = 0;
            for (String line; (line = in.readLine()) != null; ) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                PromptRequest request;
                try {
                    request = PromptJson.parse(JSON.readTree(line), UUID.randomUUID().toString());
                } catch (IOException | IllegalArgumentException e) {
                    err.println("gptjt send: line " + lineNo + " skipped: " + e.getMessage());
                    skipped++;
                    continue;
                }
                producer.send(new ProducerRecord<>(topic, request.getId().getBytes(StandardCharsets.UTF_8), wire.encode(topic, request)));
                sent++;
            }
            producer.flush();
        }
        out.println("sent " + sent + " prompts to " + topic + (skipped > 0 ? " (" + skipped + " lines skipped)" : ""));
        return skipped > 0 ? 1 : 0;
    }
}
