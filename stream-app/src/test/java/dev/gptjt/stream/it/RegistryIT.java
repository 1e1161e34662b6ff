package dev.gptjt.stream.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptjt.cluster.RegistryServer;
import dev.gptjt.cluster.ServiceProcess;
import dev.gptjt.schema.Completion;
import dev.gptjt.schema.FailureReason;
import dev.gptjt.schema.PromptFailure;
import dev.gptjt.schema.PromptRequest;
import dev.gptjt.schema.wire.RegistryWireFormat;
import dev.gptjt.schema.wire.WireFormat;
import dev.gptjt.testing.BrokerIT;
import dev.gptjt.testing.ConfluentWire;
import dev.gptjt.testing.TcpProxy;
import dev.gptjt.testing.TestServices;
import dev.gptjt.testing.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The {@code registry} wire format against a real Apicurio Registry, started as {@code gptjt registry} starts it
 * ({@link RegistryServer}: 3.x on a JDK 21+ where one is installed, else 2.6 on Java 17), with the packaged service
 * and a real broker: clients that know only the registry's URL, with Apicurio's serdes or in Confluent framing
 * through the Confluent-compatible API.
 */
class RegistryIT extends BrokerIT {
    private static RegistryServer registry;

    @BeforeAll
    static void startRegistry() throws Exception {
        // -Dgptjt.registry.java=JAVA_HOME runs it on that JDK: a Java 17 one checks the 2.6 fallback
        String java = System.getProperty("gptjt.registry.java", "");
        RegistryServer.Options options = RegistryServer.Options.local(TestServices.WORK.resolve("registry.log"));
        if (!java.isBlank()) {
            options = options.withJava(Path.of(java));
        }
        registry = RegistryServer.start(options, message -> System.out.println("registry: " + message));
    }

    @AfterAll
    static void stopRegistry() throws Exception {
        if (registry != null) {
            registry.close();
        }
    }

    private static Map<String, String> settings(String name) throws Exception {
        Map<String, String> s = TestServices.settings(broker.bootstrap(), name, "at_least_once", 3);
        s.put("gptjt.wire.format", "registry");
        s.put("gptjt.wire.registry.url", registry.apicurioUrl());
        return s;
    }

    @Test
    void shouldAnswerRegistryFramedPromptsWithResultsAnyRegistryClientReads() throws Exception {
        String name = "registry";
        try (ServiceProcess service =
                        ServiceProcess.start(settings(name), TestServices.WORK.resolve(name + "-service.log"));
                WireFormat apicurio = new RegistryWireFormat(Map.of("apicurio.registry.url", registry.apicurioUrl()));
                WireFormat confluent = new ConfluentWire(registry.confluentUrl())) {
            Topics.awaitTopics(broker.bootstrap(), Duration.ofSeconds(120), name + ".prompts", name + ".completions");
            // Apicurio's serdes: 100 prompts in, 100 results that a client knowing only the registry's URL decodes
            List<PromptRequest> viaApicurio = Topics.generations("apicurio", 100, 3);
            Topics.send(broker.bootstrap(), name + ".prompts", apicurio, viaApicurio);
            List<ConsumerRecord<byte[], byte[]>> answers = Topics.readUntil(
                    broker.bootstrap(),
                    name + ".completions",
                    false,
                    Duration.ofSeconds(180),
                    r -> r.size() >= viaApicurio.size());
            try (WireFormat fresh = new RegistryWireFormat(Map.of("apicurio.registry.url", registry.apicurioUrl()))) {
                assertEquals(ids(viaApicurio), answeredIds(answers, fresh), service::logTail);
            }
            // a Confluent client: prompts registered and framed through the Confluent-compatible API, results read
            // through it too (the service's results carry ids that API resolves)
            List<PromptRequest> viaConfluent = Topics.generations("confluent", 100, 3);
            Topics.send(broker.bootstrap(), name + ".prompts", confluent, viaConfluent);
            answers = Topics.readUntil(
                    broker.bootstrap(),
                    name + ".completions",
                    false,
                    Duration.ofSeconds(180),
                    r -> r.size() >= viaApicurio.size() + viaConfluent.size());
            Set<String> confluentIds = new TreeSet<>(answeredIds(answers, new ConfluentWire(registry.confluentUrl())));
            confluentIds.removeIf(id -> !id.startsWith("confluent-"));
            assertEquals(ids(viaConfluent), confluentIds, service::logTail);
            assertEquals(
                    0, Topics.readAll(broker.bootstrap(), name + ".failures").size());
        }
    }

    /**
     * The registry's own BACKWARD check over every released snapshot (schemas/compat), registered in order under a
     * subject of its own: each version is accepted after the ones before it, as a deployment that upgraded through
     * each release would see (the schemas' SchemaEvolutionTest checks the same with Avro's checker).
     */
    @Test
    void shouldAcceptEveryReleasedSchemaVersionInOrderUnderBackwardCompatibility() throws Exception {
        Path compat = Path.of("..", "schemas", "compat");
        try (ConfluentWire confluent = new ConfluentWire(registry.confluentUrl());
                var names = java.nio.file.Files.list(compat)) {
            for (Path dir : names.sorted().toList()) {
                String subject = "compat-" + dir.getFileName() + "-value";
                assertEquals(200, confluent.compatibility(subject, "BACKWARD").statusCode(), subject);
                List<Path> versions;
                try (var files = java.nio.file.Files.list(dir)) {
                    versions = files.sorted(java.util.Comparator.comparingInt(f ->
                                    Integer.parseInt(f.getFileName().toString().replace(".avsc", ""))))
                            .toList();
                }
                for (Path version : versions) {
                    Schema schema = new Schema.Parser().parse(version.toFile());
                    var answer = confluent.register(subject, schema);
                    assertEquals(200, answer.statusCode(), () -> version + ": " + answer.body());
                }
            }
        }
    }

    @Test
    void shouldRefuseToStartWithoutItsOutputSchemasWhenAutoRegisterIsOff() throws Exception {
        String name = "unregistered";
        Map<String, String> settings = settings(name);
        settings.put("gptjt.wire.registry.auto-register", "false"); // production: schemas registered ahead
        Path log = TestServices.WORK.resolve(name + "-service.log");
        try (ServiceProcess service = ServiceProcess.start(settings, log)) {
            TestServices.awaitExit(service, Duration.ofSeconds(120), "the service stops at start");
            String tail = service.logTail();
            assertTrue(
                    tail.contains("no Completion schema under " + name + ".completions-value in the schema registry")
                            && tail.contains("auto-register is off"),
                    tail);
        }
    }

    @Test
    void shouldReadANewerWriterSchemaAndKeepPromptsThroughARegistryOutage() throws Exception {
        try (TcpProxy link = TcpProxy.to(registry.port())) {
            // the service reaches the registry through a link the test can cut; the registry keeps its schemas
            String throughLink = registry.apicurioUrl().replace(":" + registry.port() + "/", ":" + link.port() + "/");
            keepPromptsThroughAnOutage("outage", registry, throughLink, new Outage(link::cut, link::restore));
        }
    }

    @Test
    void shouldKeepPromptsThroughARegistryStoppedMidStreamAndRestarted() throws Exception {
        // a registry of its own that keeps its schemas in a file (--persist), on the JDK the shared one runs on
        RegistryServer.Options options = RegistryServer.Options.local(TestServices.WORK.resolve("restart-registry.log"))
                .withJava(registry.jdk().home())
                .withPersist(Files.createTempDirectory(TestServices.WORK, "registry-"));
        try (RegistryServer own =
                RegistryServer.start(options, message -> System.out.println("registry: " + message))) {
            keepPromptsThroughAnOutage(
                    "restart", own, own.apicurioUrl(), new Outage(own::stopProcess, own::startProcess));
        }
    }

    /** Takes the registry out of the service's reach ({@code begin}), and gives it back ({@code end}). */
    private record Outage(Step begin, Step end) {}

    private interface Step {
        void run() throws Exception;
    }

    /**
     * Evolution through {@code server}, then an outage while prompts arrive: those of a writer schema the service holds
     * are answered, the others wait (not dead-lettered, not lost) and are answered once the registry is back; an
     * unknown schema id is dead-lettered naming the id.
     */
    private static void keepPromptsThroughAnOutage(String name, RegistryServer server, String serviceUrl, Outage outage)
            throws Exception {
        String prompts = name + ".prompts";
        Map<String, String> settings = settings(name);
        settings.put("gptjt.wire.registry.url", serviceUrl);
        settings.put("quarkus.log.category.\"dev.gptjt.stream.topology.PromptProcessor\".level", "DEBUG");
        try (WireFormat apicurio = new RegistryWireFormat(Map.of("apicurio.registry.url", server.apicurioUrl()));
                ConfluentWire confluent = new ConfluentWire(server.confluentUrl());
                ServiceProcess service =
                        ServiceProcess.start(settings, TestServices.WORK.resolve(name + "-service.log"))) {
            Topics.awaitTopics(broker.bootstrap(), Duration.ofSeconds(120), prompts, name + ".completions");
            // a Confluent client writes every prompt here: the subject's versions are all its own
            List<PromptRequest> before = Topics.generations("before", 20, 3);
            Topics.send(broker.bootstrap(), prompts, confluent, before);
            awaitAnswers(name, 20, service);
            // a newer PromptRequest (an added optional field) under BACKWARD compatibility; an incompatible one
            // (a new required field) is refused by the registry
            assertEquals(
                    200, confluent.compatibility(prompts + "-value", "BACKWARD").statusCode());
            Schema newer = withField(
                    PromptRequest.getClassSchema(),
                    "{\"name\": \"retries\", \"type\": [\"null\", \"int\"], \"default\": null}");
            Schema breaking = withField(PromptRequest.getClassSchema(), "{\"name\": \"tenant\", \"type\": \"string\"}");
            assertEquals(200, confluent.register(prompts + "-value", newer).statusCode());
            var refused = confluent.register(prompts + "-value", breaking);
            assertEquals(409, refused.statusCode(), refused.body());

            // written by clients that registered their schemas before the outage
            List<PromptRequest> cached = Topics.generations("cached", 10, 3);
            List<PromptRequest> evolved = Topics.generations("evolved", 10, 3);
            List<byte[]> cachedRecords =
                    cached.stream().map(p -> confluent.encode(prompts, p)).toList();
            List<byte[]> evolvedRecords = evolved.stream()
                    .map(p -> confluent.encode(prompts, newer, newerRecord(p, newer)))
                    .toList();

            outage.begin().run();
            sendRaw(prompts, cachedRecords); // a writer schema the service has
            sendRaw(prompts, evolvedRecords); // a writer schema it must fetch: parked until the registry answers
            sendRaw(prompts, List.of(unknownId(99_999))); // cannot be told from the others until then
            awaitAnswers(name, 30, service); // the cached schema's prompts are answered meanwhile
            // the stream thread has read every other record, and parked it: only then does "nothing else answered" say
            // something
            String metrics = TestServices.awaitMetrics(
                    service,
                    "the 11 records whose schema the service must fetch parked",
                    Duration.ofSeconds(120),
                    m -> m.contains("gptjt_registry_parked_prompts 11.0"));
            assertEquals(30, answered(name).size(), "nothing else answered while the registry is away");
            assertEquals(0, failures(name).size(), "nothing dead-lettered for an outage");
            assertTrue(metrics.matches("(?s).*gptjt_registry_errors_total [1-9].*"), metricLines(metrics));

            outage.end().run();
            awaitAnswers(name, 40, service);
            Set<String> ids = new TreeSet<>();
            for (ConsumerRecord<byte[], byte[]> r : answered(name)) {
                ids.add(apicurio.decode(r.topic(), r.value(), Completion.class).getId());
            }
            Set<String> sent = ids(before);
            sent.addAll(ids(cached));
            sent.addAll(ids(evolved));
            assertEquals(sent, ids, "0 lost, each answered once");
            List<ConsumerRecord<byte[], byte[]>> failures = awaitFailures(name, 1);
            assertEquals(1, failures.size());
            PromptFailure unknown =
                    apicurio.decode(failures.get(0).topic(), failures.get(0).value(), PromptFailure.class);
            assertEquals(FailureReason.UNREADABLE, unknown.getReason());
            assertTrue(unknown.getMessage().contains("schema id 99999"), unknown.getMessage());
            metrics = TestServices.get(service, "/q/metrics").body();
            assertTrue(metrics.contains("gptjt_registry_parked_prompts 0.0"), metricLines(metrics));
            assertTrue(
                    metrics.matches("(?s).*gptjt_registry_schema_lookups_total\\{outcome=\"cached\"[^}]*\\} [1-9].*"),
                    metricLines(metrics));
        }
    }

    private static Schema withField(Schema schema, String field) {
        String json = schema.toString();
        return new Schema.Parser().parse(json.substring(0, json.lastIndexOf(']')) + "," + field + "]}");
    }

    /** {@code request} as a record of {@code newer}, its added field set. */
    private static GenericRecord newerRecord(PromptRequest request, Schema newer) {
        try {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            var encoder = EncoderFactory.get().binaryEncoder(out, null);
            new SpecificDatumWriter<PromptRequest>(PromptRequest.class).write(request, encoder);
            encoder.flush();
            GenericRecord record = new GenericDatumReader<GenericRecord>(PromptRequest.getClassSchema(), newer)
                    .read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
            record.put("retries", 7);
            return record;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Registry framing with a schema id no registry holds, then a few bytes. */
    private static byte[] unknownId(int id) {
        return java.nio.ByteBuffer.allocate(8)
                .put((byte) 0)
                .putInt(id)
                .put(new byte[] {2, 4, 6})
                .array();
    }

    private static void sendRaw(String topic, List<byte[]> values) {
        try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]>(
                Map.of("bootstrap.servers", broker.bootstrap(), "acks", "all"),
                new org.apache.kafka.common.serialization.ByteArraySerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            for (byte[] v : values) {
                producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, null, v));
            }
            producer.flush();
        }
    }

    private static List<ConsumerRecord<byte[], byte[]>> answered(String name) {
        return Topics.readAll(broker.bootstrap(), name + ".completions");
    }

    private static List<ConsumerRecord<byte[], byte[]>> failures(String name) {
        return Topics.readAll(broker.bootstrap(), name + ".failures");
    }

    private static List<ConsumerRecord<byte[], byte[]>> awaitFailures(String name, int n) {
        return Topics.readUntil(
                broker.bootstrap(), name + ".failures", false, Duration.ofSeconds(60), r -> r.size() >= n);
    }

    private static void awaitAnswers(String name, int n, ServiceProcess service) {
        int got = Topics.readUntil(
                        broker.bootstrap(), name + ".completions", false, Duration.ofSeconds(120), r -> r.size() >= n)
                .size();
        assertTrue(got >= n, () -> got + " of " + n + " answered\n" + service.logTail());
    }

    private static String metricLines(String metrics) {
        return String.join(
                "\n",
                metrics.lines().filter(l -> l.startsWith("gptjt_registry")).toList());
    }

    private static Set<String> ids(List<PromptRequest> prompts) {
        Set<String> ids = new TreeSet<>();
        prompts.forEach(p -> ids.add(p.getId()));
        return ids;
    }

    private static Set<String> answeredIds(List<ConsumerRecord<byte[], byte[]>> records, WireFormat wire) {
        Set<String> ids = new TreeSet<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            assertEquals(0, r.value()[0], "magic byte 0: registry framing");
            ids.add(wire.decode(r.topic(), r.value(), Completion.class).getId());
        }
        return ids;
    }
}
