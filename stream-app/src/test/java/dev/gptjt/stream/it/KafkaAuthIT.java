package dev.gptjt.stream.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptjt.cluster.KafkaBroker;
import dev.gptjt.cluster.ServiceProcess;
import dev.gptjt.schema.wire.SingleObjectWireFormat;
import dev.gptjt.testing.TestServices;
import dev.gptjt.testing.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
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
    private static KafkaBroker broker;
    private static String plain;
    private static String secured;

    private static void keytool(Path log, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command)
                .redirectOutput(log.toFile())
                .redirectErrorStream(true)
                .start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "keytool did not finish");
        assertEquals(0, p.exitValue(), String.join(" ", command) + ":\n" + Files.readString(log));
    }

    @BeforeAll
    static void startSecuredBroker() throws Exception {
        Files.createDirectories(WORK);
        dir = Files.createTempDirectory(WORK, "sasl-ssl-").toAbsolutePath();
        Path keystore = dir.resolve("broker.p12");
        keytool(
                dir.resolve("keytool.log"),
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
                STORE_PASSWORD);
        keytool(
                dir.resolve("keytool-export.log"),
                "-exportcert",
                "-rfc",
                "-alias",
                "broker",
                "-keystore",
                keystore.toString(),
                "-storepass",
                STORE_PASSWORD,
                "-file",
                dir.resolve("ca.crt").toString());
        broker = KafkaBroker.start(
                dir.resolve("broker"), new KafkaBroker.SaslSsl(keystore, STORE_PASSWORD, Map.of(USER, PASSWORD)));
        plain = broker.bootstrap();
        secured = broker.saslSslBootstrap();
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null) {
            broker.close();
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
            assertEquals(
                    List.of("secured-0", "secured-1", "secured-2"),
                    Topics.answeredIds(plain, name, new SingleObjectWireFormat(), Topics.generations("secured", 3, 4)),
                    service.logTail());
        }
    }
}
