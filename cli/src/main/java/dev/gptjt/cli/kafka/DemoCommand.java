package dev.gptjt.cli.kafka;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gptjt.cli.CliException;
import dev.gptjt.cli.CommonOptions;
import dev.gptjt.cli.IoCommand;
import dev.gptjt.cli.KafkaOptions;
import dev.gptjt.cli.ModelOption;
import dev.gptjt.cli.OptionDefaults;
import dev.gptjt.cluster.KafkaBroker;
import dev.gptjt.cluster.RegistryServer;
import dev.gptjt.cluster.ServiceProcess;
import dev.gptjt.schema.PromptRequest;
import dev.gptjt.schema.wire.RegistryWireFormat;
import dev.gptjt.schema.wire.SingleObjectWireFormat;
import dev.gptjt.schema.wire.WireFormat;
import dev.gptjt.tasks.DefaultTopics;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code gptjt demo}: the whole path on one machine — a KRaft broker in a temporary folder, the
 * packaged service, the model card's examples sent as PromptRequest records, and each Completion
 * printed as it arrives with its decision (the action of its task's policy, tweet-hate's with a real model) and its
 * end-to-end latency.
 */
@OptionDefaults("--timeout=300s")
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = {
            "A Kafka broker and the service in this process's care, the GPT-JT model card's examples sent as prompts, and each answer printed with its latency.",
            "--model defaults to the committed demo model (models/demo-gptj); --timeout",
            "bounds the wait for the service and for the answers."
        })
public final class DemoCommand extends IoCommand {
    @Option(
            names = "--once",
            description = "Exit after the last answer instead of keeping the broker and the service running.")
    boolean once;

    @Mixin
    ModelOption modelOption;

    @Mixin
    CommonOptions.Timeout timeoutOption;

    @Mixin
    KafkaOptions.Wire wireOption;

    private static final String APPLICATION_ID = "gptjt-demo";
    private static final String PROMPTS = DefaultTopics.PROMPTS;
    private static final String COMPLETIONS = DefaultTopics.COMPLETIONS;
    private static final String FAILURES = DefaultTopics.FAILURES;
    /** The task no committed model knows: a confident label from one would mislead on the demo's first screen. */
    private static final String MODERATION_TASK = "tweet-hate";

    private record Example(String id, String name, PromptRequest request) {}

    private String wireFormat() {
        try {
            WireFormat.Kind.parse(wireOption.format());
            return wireOption.format();
        } catch (IllegalArgumentException e) {
            throw new CliException("--wire must be single-object or registry, got '" + wireOption.format() + "'");
        }
    }

    @Override
    public Integer call() throws Exception {
        Path model = modelOption.orDemoModel();
        Duration timeout = timeoutOption.timeout();
        if (!Files.isRegularFile(model.resolve("model.onnx"))) {
            throw new CliException(
                    "model directory " + model + " has no model.onnx (an Optimum export directory is needed)");
        }
        boolean committedModel = true;
        switch (model.getFileName().toString()) {
            case "demo-gptj" -> {
                out.println(
                        "model: demo-gptj, a 7M-parameter GPT-J trained on generated examples of the GPT-JT model card's formats.");
                out.println(
                        "       It is not GPT-JT: it knows only its word lists and saw no hate speech, so tweet-hate is left out");
                out.println("       (run it with --model DIR, an Optimum export of the real model; see README).");
            }
            case "tiny-gptj" ->
                out.println("model: tiny-gptj, a *random* GPT-J kept for conformance tests: its answers are noise.");
            default -> {
                out.println("model: " + model);
                committedModel = false;
            }
        }
        boolean registryWire = WireFormat.Kind.parse(wireFormat()) == WireFormat.Kind.REGISTRY;
        Path work = Files.createTempDirectory("gptjt-demo-");
        out.println("[1/3] starting a Kafka broker (KRaft)" + (registryWire ? " and Apicurio Registry" : "") + " in "
                + work + "…");
        try (KafkaBroker broker = KafkaBroker.start(work.resolve("kafka"));
                RegistryServer registry = registryWire
                        ? RegistryServer.start(
                                RegistryServer.Options.local(work.resolve("registry.log")),
                                message -> out.println("      " + message))
                        : null;
                WireFormat wire = registryWire
                        ? new RegistryWireFormat(Map.of("apicurio.registry.url", registry.apicurioUrl()))
                        : new SingleObjectWireFormat()) {
            out.println("      broker ready at " + broker.bootstrap());
            if (registry != null) {
                out.println("      registry ready at " + registry.apicurioUrl() + " (Confluent-compatible: "
                        + registry.confluentUrl() + ")");
            }
            out.println("[2/3] starting the service and loading " + model.getFileName() + "…");
            Map<String, String> settings = new HashMap<>();
            settings.put("quarkus.kafka-streams.bootstrap-servers", broker.bootstrap());
            settings.put("quarkus.kafka-streams.application-id", APPLICATION_ID);
            settings.put("kafka-streams.state.dir", work.resolve("state").toString());
            settings.put("gptjt.model.dir", model.toString());
            settings.put("gptjt.topics.partitions", "3");
            if (registry != null) {
                settings.put("gptjt.wire.format", "registry");
                settings.put("gptjt.wire.registry.url", registry.apicurioUrl());
            }
            try (ServiceProcess service = ServiceProcess.start(settings, work.resolve("service.log"))) {
                List<Example> examples = examples(committedModel);
                List<String> resultTopics = resultTopics(examples);
                awaitTopics(broker.bootstrap(), service, timeout, resultTopics);
                out.println("[3/3] sending " + examples.size() + " examples of the GPT-JT model card to " + PROMPTS);
                send(broker.bootstrap(), wire, examples);
                boolean all = printResults(broker.bootstrap(), wire, examples, resultTopics, service, timeout, out);
                if (!once) {
                    String wireArgs =
                            registry == null ? "" : " --wire registry --registry-url " + registry.apicurioUrl();
                    out.println("\nthe service keeps running: send more with 'bin/gptjt send --bootstrap "
                            + broker.bootstrap() + wireArgs + "', read with 'bin/gptjt tail --bootstrap "
                            + broker.bootstrap() + wireArgs + "'. Ctrl-C stops everything.");
                    while (service.isAlive() && broker.isAlive()) {
                        Thread.sleep(500);
                    }
                }
                out.println(
                        "stopping the service and the broker" + (registry == null ? "" : " and the registry") + "…");
                return all ? 0 : 1;
            }
        }
    }

    /**
     * The model card's examples; a model of this repository (trained on the card's formats, or random)
     * leaves out the moderation task, whose label it could only make up.
     */
    private static List<Example> examples(boolean committedModel) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<Example> examples = new ArrayList<>();
        try (InputStream in = DemoCommand.class.getResourceAsStream("/demo-examples.jsonl");
                BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line; (line = reader.readLine()) != null; ) {
                if (!line.isBlank()) {
                    var node = json.readTree(line);
                    PromptRequest r = PromptJson.parse(node, null);
                    if (committedModel && MODERATION_TASK.equals(r.getTask())) {
                        continue;
                    }
                    examples.add(new Example(r.getId(), r.getTask() == null ? "raw prompt" : r.getTask(), r));
                }
            }
        }
        return examples;
    }

    /** Where the examples' results arrive: completions, failures, and each task's topic. */
    private static List<String> resultTopics(List<Example> examples) {
        List<String> topics = new ArrayList<>(List.of(COMPLETIONS, FAILURES));
        examples.stream()
                .map(e -> e.request().getTask())
                .filter(Objects::nonNull)
                .distinct()
                .forEach(task -> topics.add(DefaultTopics.results(task)));
        return topics;
    }

    private static void awaitTopics(String bootstrap, ServiceProcess service, Duration timeout, List<String> topics)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            while (System.nanoTime() < deadline) {
                if (!service.isAlive()) {
                    throw new CliException("the service stopped while starting:\n" + service.logTail());
                }
                Set<String> existing = admin.listTopics().names().get(10, TimeUnit.SECONDS);
                if (existing.contains(PROMPTS) && existing.containsAll(topics) && groupStable(admin)) {
                    return; // topics exist and the service's stream threads own their partitions
                }
                Thread.sleep(250);
            }
        }
        throw new CliException(
                "the service did not create its topics within " + timeout.toSeconds() + " s:\n" + service.logTail());
    }

    private static boolean groupStable(Admin admin) throws Exception {
        try {
            var group = admin.describeConsumerGroups(List.of(APPLICATION_ID))
                    .describedGroups()
                    .get(APPLICATION_ID)
                    .get(10, TimeUnit.SECONDS);
            return group.groupState() == GroupState.STABLE && !group.members().isEmpty();
        } catch (ExecutionException notYet) {
            return false; // the group does not exist until the service's consumer joins
        }
    }

    private static void send(String bootstrap, WireFormat wire, List<Example> examples) {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all"),
                new ByteArraySerializer(),
                new ByteArraySerializer())) {
            Deliveries deliveries = new Deliveries();
            for (Example e : examples) {
                // latency counts from the moment the prompt is sent
                e.request().setCreatedAt(Instant.now().truncatedTo(ChronoUnit.MILLIS));
                producer.send(
                        new ProducerRecord<>(
                                PROMPTS, e.id().getBytes(StandardCharsets.UTF_8), wire.encode(PROMPTS, e.request())),
                        deliveries);
            }
            producer.flush();
            if (deliveries.failed() > 0) {
                throw new CliException(deliveries.failed() + " demo prompts not delivered to " + PROMPTS + ": "
                        + deliveries.firstError());
            }
        }
    }

    /** Prints results as they arrive, one aligned line each; true when every example got one. */
    private static boolean printResults(
            String bootstrap,
            WireFormat wire,
            List<Example> examples,
            List<String> topics,
            ServiceProcess service,
            Duration timeout,
            PrintStream out) {
        Map<String, Example> waiting = new LinkedHashMap<>();
        examples.forEach(e -> waiting.put(e.id(), e));
        List<Long> latencies = new ArrayList<>();
        double batches = 0;
        out.printf("%n%-14s %-46s %-44s %-9s %8s%n", "task", "input (last line)", "answer", "decision", "latency");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrap,
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                        false),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : topics) {
                consumer.partitionsFor(topic, Duration.ofSeconds(30))
                        .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!waiting.isEmpty() && System.nanoTime() < deadline && service.isAlive()) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    DemoAnswer a = DemoAnswer.of(wire.decode(r.topic(), r.value()));
                    Example e = a == null ? null : waiting.remove(a.id());
                    if (e == null) {
                        continue;
                    }
                    if (a.latencyMs() >= 0) {
                        latencies.add(a.latencyMs());
                        batches += 1.0 / a.batchSize(); // every member of a batch is a demo example
                    }
                    out.printf(
                            "%-14s %-46s %-44s %-9s %5d ms%n",
                            e.name(),
                            cut(lastLine(e.request().getPrompt()), 46),
                            cut(a.answer(), 44),
                            cut(a.decision(), 9),
                            Math.max(0, a.latencyMs()));
                }
            }
        }
        if (!latencies.isEmpty()) {
            latencies.sort(Long::compare);
            long p50 = latencies.get((latencies.size() - 1) / 2);
            long p99 = latencies.get((int) Math.ceil(0.99 * latencies.size()) - 1);
            out.printf(
                    "%n%d answered in %d batches; end-to-end latency p50 %d ms, p99 %d ms%n",
                    latencies.size(), Math.round(batches), p50, p99);
        }
        if (!waiting.isEmpty()) {
            out.println("no answer for " + waiting.keySet()
                    + (service.isAlive() ? "" : "; the service stopped:\n" + service.logTail()));
            return false;
        }
        return true;
    }

    private static String cut(String s, int width) {
        return s.length() <= width ? s : s.substring(0, width - 1) + "…";
    }

    private static String lastLine(String prompt) {
        String[] lines = prompt.strip().split("\n");
        return lines[lines.length - 1];
    }
}
