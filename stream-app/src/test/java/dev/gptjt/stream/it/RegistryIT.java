package dev.gptjt.stream.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gptjt.cli.kafka.ServiceProcess;
import dev.gptjt.cli.registry.RegistryServer;
import dev.gptjt.schema.Completion;
import dev.gptjt.schema.PromptRequest;
import dev.gptjt.schema.wire.RegistryWireFormat;
import dev.gptjt.schema.wire.WireFormat;
import dev.gptjt.testing.BrokerIT;
import dev.gptjt.testing.ConfluentWire;
import dev.gptjt.testing.TestServices;
import dev.gptjt.testing.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
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
        registry = RegistryServer.start(
                java.isBlank() ? options : options.withJava(Path.of(java)),
                message -> System.out.println("registry: " + message));
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
                    0,
                    Topics.readUntil(broker.bootstrap(), name + ".failures", false, Duration.ofSeconds(2), r -> false)
                            .size());
        }
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
