package dev.gptjt.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gptjt.cli.kafka.KafkaBroker;
import dev.gptjt.cli.kafka.ServiceProcess;
import dev.gptjt.engine.cli.Args;
import dev.gptjt.schema.Completion;
import dev.gptjt.schema.PromptFailure;
import dev.gptjt.schema.PromptRequest;
import dev.gptjt.schema.wire.SingleObjectWireFormat;
import dev.gptjt.schema.wire.WireFormat;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecord;
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

/**
 * {@code gptjt demo}: the whole path on one machine — a KRaft broker in a temporary folder, the
 * packaged service, the model card's examples sent as PromptRequest records, and each Completion
 * printed as it arrives with its end-to-end latency.
 */
final class DemoCommand {
    static final List<String> OPTIONS = List.of("once", "model", "timeout");
    private static final String PROMPTS = "gptjt.prompts";
    private static final String COMPLETIONS = "gptjt.completions";
    private static final String FAILURES = "gptjt.failures";

    private record Example(String id, String name, PromptRequest request) {}

    private DemoCommand() {}

    static int run(Args args, PrintStream out) throws Exception {
        args.allow(OPTIONS);
        Path model = Path.of(args.get("model", "models/tiny-gptj")).toAbsolutePath();
        if (!Files.isRegularFile(model.resolve("model.onnx"))) {
            throw new CliException("model directory " + model + " has no model.onnx (an Optimum export directory is needed)");
        }
        boolean once = args.flag("once");
        Duration timeout = Duration.ofSeconds(args.intValue("timeout", 300));
        if (model.getFileName().toString().equals("tiny-gptj")) {
            out.println("note: the default model is a tiny *random* GPT-J kept for conformance tests: its answers are noise.");
            out.println("      Point --model at an Optimum export of GPT-JT-6B for real answers (see README).");
        }
        Path work = Files.createTempDirectory("gptjt-demo-");
        WireFormat wire = new SingleObjectWireFormat();
        out.println("[1/3] starting a Kafka broker (KRaft) in " + work + "…");
        try (KafkaBroker broker = KafkaBroker.start(work.resolve("kafka"))) {
            out.println("      broker ready at " + broker.bootstrap());
            out.println("[2/3] starting the service and loading " + model.getFileName() + "…");
            Map<String, String> settings = new HashMap<>();
            settings.put("quarkus.kafka-streams.bootstrap-servers", broker.bootstrap());
            settings.put("quarkus.kafka-streams.application-id", "gptjt-demo");
            settings.put("kafka-streams.state.dir", work.resolve("state").toString());
            settings.put("gptjt.model.dir", model.toString());
            settings.put("gptjt.topics.partitions", "3");
            try (ServiceProcess service = ServiceProcess.start(settings, work.resolve("service.log"))) {
                awaitTopics(broker.bootstrap(), service, timeout);
                List<Example> examples = examples();
                out.println("[3/3] sending " + examples.size() + " examples of the GPT-JT model card to " + PROMPTS);
                send(broker.bootstrap(), wire, examples);
                boolean all = printResults(broker.bootstrap(), wire, examples, service, timeout, out);
                if (!once) {
                    out.println("\nthe service keeps running: send more with 'bin/gptjt send --bootstrap " + broker.bootstrap()
                            + "', read with 'bin/gptjt tail --bootstrap " + broker.bootstrap() + "'. Ctrl-C stops everything.");
                    while (service.isAlive() && broker.isAlive()) {
                        Thread.sleep(500);
                    }
                }
                out.println("stopping the service and the broker…");
                return all ? 0 : 1;
            }
        }
    }

    private static List<Example> examples() throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<Example> examples = new ArrayList<>();
        try (InputStream in = DemoCommand.class.getResourceAsStream("/demo-examples.jsonl");
             BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line; (line = reader.readLine()) != null; ) {
                if (!line.isBlank()) {
                    var node = json.readTree(line);
                    PromptRequest r = PromptJson.parse(node, null);
                    examples.add(new Example(r.getId(), node.get("example").asText(), r));
                }
            }
        }
        return examples;
    }

    private static void awaitTopics(String bootstrap, ServiceProcess service, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            while (System.nanoTime() < deadline) {
                if (!service.isAlive()) {
                    throw new CliException("the service stopped while starting:\n" + service.logTail());
                }
                if (admin.listTopics().names().get(10, TimeUnit.SECONDS).containsAll(Set.of(PROMPTS, COMPLETIONS, FAILURES))) {
                    return;
                }
                Thread.sleep(250);
            }
        }
        throw new CliException("the service did not create its topics within " + timeout.toSeconds() + " s:\n" + service.logTail());
    }

    private static void send(String bootstrap, WireFormat wire, List<Example> examples) {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all"),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (Example e : examples) {
                producer.send(new ProducerRecord<>(PROMPTS, e.id().getBytes(StandardCharsets.UTF_8), wire.encode(PROMPTS, e.request())));
            }
            producer.flush();
        }
    }

    /** Prints results as they arrive; true when every example got one. */
    private static boolean printResults(String bootstrap, WireFormat wire, List<Example> examples, ServiceProcess service,
                                        Duration timeout, PrintStream out) {
        Map<String, Example> waiting = new LinkedHashMap<>();
        examples.forEach(e -> waiting.put(e.id(), e));
        List<Long> latencies = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : List.of(COMPLETIONS, FAILURES)) {
                consumer.partitionsFor(topic, Duration.ofSeconds(30)).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!waiting.isEmpty() && System.nanoTime() < deadline && service.isAlive()) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    SpecificRecord value = wire.decode(r.topic(), r.value());
                    if (value instanceof Completion c && waiting.containsKey(c.getId())) {
                        Example e = waiting.remove(c.getId());
                        long latency = c.getCreatedAt().toEpochMilli() - c.getRequestCreatedAt().toEpochMilli();
                        latencies.add(latency);
                        out.printf("%-14s %6d ms  batch %-2d  %s%n      → %s%n", e.name(), latency, c.getBatchSize(),
                                lastLine(e.request().getPrompt()), printable(c.getText()));
                    } else if (value instanceof PromptFailure f && waiting.containsKey(f.getId())) {
                        Example e = waiting.remove(f.getId());
                        out.printf("%-14s failed: %s %s%n", e.name(), f.getReason(), f.getMessage());
                    }
                }
            }
        }
        if (!latencies.isEmpty()) {
            latencies.sort(Long::compare);
            out.printf("%d answered; latency p50 %d ms, max %d ms%n", latencies.size(),
                    latencies.get(latencies.size() / 2), latencies.get(latencies.size() - 1));
        }
        if (!waiting.isEmpty()) {
            out.println("no answer for " + waiting.keySet() + (service.isAlive() ? "" : "; the service stopped:\n" + service.logTail()));
            return false;
        }
        return true;
    }

    private static String lastLine(String prompt) {
        String[] lines = prompt.strip().split("\n");
        return lines[lines.length - 1];
    }

    private static String printable(String text) {
        return "\"" + text.replace("\n", "\\n") + "\"";
    }
}
