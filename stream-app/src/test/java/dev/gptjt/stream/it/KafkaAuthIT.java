package dev.gptjt.stream.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptjt.cli.kafka.KafkaBroker;
import dev.gptjt.cli.kafka.ServiceProcess;
import dev.gptjt.schema.Completion;
import dev.gptjt.schema.GenerationParams;
import dev.gptjt.schema.PromptRequest;
import dev.gptjt.schema.wire.SingleObjectWireFormat;
import dev.gptjt.schema.wire.WireFormat;
import dev.gptjt.testing.TestServices;
import dev.gptjt.testing.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code deploy/components/kafka-auth} against a real SASL_SSL broker (SCRAM-SHA-512 over TLS, a self-signed
 * certificate made with the JDK's keytool): the packaged service started as the component's Deployment
 * patch starts it — {@code QUARKUS_CONFIG_LOCATIONS} naming the component's {@code kafka-auth.properties}, the
 * JAAS line in {@code GPTJT_KAFKA_SASL_JAAS_CONFIG}, the CA as PEM — creates its topics, reads prompts and
 * writes completions through the secured listener. The broker's plaintext listener serves only the test's
 * own producer and consumer.
 */
class KafkaAuthIT {
    private static final Path WORK = TestServices.WORK;
    private static final String USER = "gptjt";
    private static final String PASSWORD = "gptjt-secret";
    private static final String STORE_PASSWORD = "changeit";

    private static Path dir;
    private static Process broker;
    private static String plain;
    private static String secured;

    private static void run(List<String> command, Path log) throws Exception {
        Process p = new ProcessBuilder(command)
                .redirectOutput(log.toFile())
                .redirectErrorStream(true)
                .start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), command.get(0) + " did not finish");
        assertEquals(0, p.exitValue(), String.join(" ", command) + ":\n" + Files.readString(log));
    }

    private static List<String> java(String mainClass, String... args) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m",
                "-XX:+UseSerialGC",
                "-cp",
                System.getProperty("java.class.path"),
                mainClass));
        command.addAll(List.of(args));
        return command;
    }

    @BeforeAll
    static void startSecuredBroker() throws Exception {
        Files.createDirectories(WORK);
        dir = Files.createTempDirectory(WORK, "sasl-ssl-").toAbsolutePath();
        String keytool =
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Path keystore = dir.resolve("broker.p12");
        run(
                List.of(
                        keytool,
                        "-genkeypair",
                        "-alias",
                        "broker",
                        "-keyalg",
                        "RSA",
                        "-keysize",
                        "2048",
                        "-dname",
                        "CN=localhost",
                        "-ext",
                        "SAN=ip:127.0.0.1,dns:localhost",
                        "-validity",
                        "2",
                        "-storetype",
                        "PKCS12",
                        "-keystore",
                        keystore.toString(),
                        "-storepass",
                        STORE_PASSWORD),
                dir.resolve("keytool.log"));
        run(
                List.of(
                        keytool,
                        "-exportcert",
                        "-rfc",
                        "-alias",
                        "broker",
                        "-keystore",
                        keystore.toString(),
                        "-storepass",
                        STORE_PASSWORD,
                        "-file",
                        dir.resolve("ca.crt").toString()),
                dir.resolve("keytool-export.log"));
        int plainPort = KafkaBroker.freePort();
        int securedPort = KafkaBroker.freePort();
        int controllerPort = KafkaBroker.freePort();
        plain = "127.0.0.1:" + plainPort;
        secured = "127.0.0.1:" + securedPort;
        Path config = dir.resolve("server.properties");
        Files.writeString(
                config,
                String.join(
                        "\n",
                        "process.roles=broker,controller",
                        "node.id=1",
                        "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                        "listeners=PLAINTEXT://" + plain + ",SASL_SSL://" + secured + ",CONTROLLER://127.0.0.1:"
                                + controllerPort,
                        "advertised.listeners=PLAINTEXT://" + plain + ",SASL_SSL://" + secured,
                        "controller.listener.names=CONTROLLER",
                        "inter.broker.listener.name=PLAINTEXT",
                        "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT",
                        "sasl.enabled.mechanisms=SCRAM-SHA-512",
                        "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config="
                                + "org.apache.kafka.common.security.scram.ScramLoginModule required;",
                        "ssl.keystore.type=PKCS12",
                        "ssl.keystore.location=" + keystore,
                        "ssl.keystore.password=" + STORE_PASSWORD,
                        "ssl.key.password=" + STORE_PASSWORD,
                        "log.dirs=" + dir.resolve("logs"),
                        "num.partitions=1",
                        "offsets.topic.replication.factor=1",
                        "offsets.topic.num.partitions=4",
                        "transaction.state.log.replication.factor=1",
                        "transaction.state.log.min.isr=1",
                        "share.coordinator.state.topic.replication.factor=1",
                        "share.coordinator.state.topic.min.isr=1",
                        "group.initial.rebalance.delay.ms=0",
                        "auto.create.topics.enable=false",
                        ""));
        // the service's SCRAM user exists from the first start: written into the metadata log by the format
        run(
                java(
                        "kafka.tools.StorageTool",
                        "format",
                        "-t",
                        Uuid.randomUuid().toString(),
                        "-c",
                        config.toString(),
                        "--add-scram",
                        "SCRAM-SHA-512=[name=" + USER + ",password=" + PASSWORD + "]"),
                dir.resolve("format.log"));
        broker = new ProcessBuilder(java("kafka.Kafka", config.toString()))
                .redirectOutput(dir.resolve("broker.log").toFile())
                .redirectErrorStream(true)
                .start();
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, plain))) {
            while (true) {
                try {
                    admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
                    break;
                } catch (Exception notYet) {
                    assertTrue(
                            broker.isAlive() && System.nanoTime() < deadline,
                            "broker did not start: " + Files.readString(dir.resolve("broker.log")));
                    Thread.sleep(200);
                }
            }
        }
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null) {
            broker.destroy();
            if (!broker.waitFor(60, TimeUnit.SECONDS)) {
                broker.destroyForcibly().waitFor();
            }
        }
    }

    private static String jaas(String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + USER + "\" password=\""
                + password + "\";";
    }

    @Test
    void shouldRefuseAClientWithTheWrongPassword() {
        try (Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                secured,
                "security.protocol",
                "SASL_SSL",
                "sasl.mechanism",
                "SCRAM-SHA-512",
                "sasl.jaas.config",
                jaas("wrong"),
                "ssl.truststore.type",
                "PEM",
                "ssl.truststore.location",
                dir.resolve("ca.crt").toString(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                10000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                15000))) {
            ExecutionException e = assertThrows(
                    ExecutionException.class,
                    () -> admin.describeCluster().nodes().get(30, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof SaslAuthenticationException, e.toString());
        }
    }

    @Test
    void shouldServeThroughTheSecuredListenerAsTheKafkaAuthComponentConfiguresIt() throws Exception {
        String name = "kafka-auth";
        Map<String, String> settings = TestServices.settings(secured, name, "at_least_once", 1);
        // the component mounts the Secret's ca.crt at /etc/gptjt/kafka; here it is the test's file
        settings.put(
                "kafka-streams.ssl.truststore.location", dir.resolve("ca.crt").toString());
        Path component = Path.of(System.getProperty("gptjt.models"))
                .getParent()
                .resolve("deploy/components/kafka-auth/kafka-auth.properties");
        Map<String, String> environment = Map.of(
                "QUARKUS_CONFIG_LOCATIONS", component.toString(), "GPTJT_KAFKA_SASL_JAAS_CONFIG", jaas(PASSWORD));
        Path log = WORK.resolve("kafka-auth.log");
        try (ServiceProcess service = ServiceProcess.start(settings, environment, log)) {
            TestServices.awaitReady(service);
            // the service created its topics through the secured listener; the test reads them in plaintext
            Topics.awaitTopics(plain, Duration.ofSeconds(60), name + ".prompts", name + ".completions");
            WireFormat wire = new SingleObjectWireFormat();
            List<PromptRequest> prompts = IntStream.range(0, 3)
                    .mapToObj(i -> PromptRequest.newBuilder()
                            .setId("secured-" + i)
                            .setPrompt("Input: message number " + i + "\nOutput:")
                            .setParams(GenerationParams.newBuilder()
                                    .setMaxNewTokens(4)
                                    .build())
                            .setCreatedAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                            .build())
                    .toList();
            Topics.send(plain, name + ".prompts", wire, prompts);
            var records =
                    Topics.readUntil(plain, name + ".completions", false, Duration.ofSeconds(120), r -> r.size() >= 3);
            assertEquals(
                    List.of("secured-0", "secured-1", "secured-2"),
                    records.stream()
                            .map(r -> wire.decode(r.topic(), r.value(), Completion.class)
                                    .getId())
                            .sorted()
                            .toList(),
                    service.logTail());
        }
    }
}
