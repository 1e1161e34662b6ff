package dev.gptjt.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;

/**
 * A real single-node KRaft Kafka broker (combined broker + controller) from the Kafka 4.1 jars on
 * this JVM's classpath, in a child JVM: storage formatted on first start (kept across restarts of
 * the same data directory), stoppable and restartable on the same ports and data.
 */
public final class KafkaBroker implements AutoCloseable, ChildServer {
    private final Path dataDir;
    private final int port;
    private final int controllerPort;
    private final Path config;
    private final SaslSsl saslSsl;
    private final int saslSslPort;
    private Process process;

    /**
     * A second listener, {@code SASL_SSL} with SCRAM-SHA-512, for clients that must authenticate (the
     * PLAINTEXT one stays, for the broker itself and trusted tools).
     *
     * @param keyStore         the broker's TLS key and certificate, PKCS12
     * @param keyStorePassword its password (and the key's)
     * @param users            SCRAM users by name, with their passwords (no {@code , ] =} in them), written
     *                         into the metadata log when the storage is formatted: a data directory formatted
     *                         before keeps the users it has
     */
    public record SaslSsl(Path keyStore, String keyStorePassword, Map<String, String> users) {
        @Override
        public String toString() {
            return "SaslSsl[keyStore=" + keyStore + ", users=" + users.keySet() + "]"; // no passwords in logs
        }
    }

    private KafkaBroker(Path dataDir, int port, int controllerPort, SaslSsl saslSsl, int saslSslPort)
            throws IOException {
        this.dataDir = dataDir;
        this.port = port;
        this.controllerPort = controllerPort;
        this.saslSsl = saslSsl;
        this.saslSslPort = saslSslPort;
        this.config = dataDir.resolve("server.properties");
        Files.createDirectories(dataDir);
        String secured = saslSsl == null ? "" : ",SASL_SSL://127.0.0.1:" + saslSslPort;
        List<String> securedSettings = saslSsl == null
                ? List.of()
                : List.of(
                        "sasl.enabled.mechanisms=SCRAM-SHA-512",
                        "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config="
                                + "org.apache.kafka.common.security.scram.ScramLoginModule required;",
                        "ssl.keystore.type=PKCS12",
                        "ssl.keystore.location=" + saslSsl.keyStore().toAbsolutePath(),
                        "ssl.keystore.password=" + saslSsl.keyStorePassword(),
                        "ssl.key.password=" + saslSsl.keyStorePassword());
        Files.writeString(
                config,
                String.join(
                        "\n",
                        "process.roles=broker,controller",
                        "node.id=1",
                        "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                        "listeners=PLAINTEXT://127.0.0.1:" + port + secured + ",CONTROLLER://127.0.0.1:"
                                + controllerPort,
                        "advertised.listeners=PLAINTEXT://127.0.0.1:" + port + secured,
                        "controller.listener.names=CONTROLLER",
                        "inter.broker.listener.name=PLAINTEXT",
                        "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
                                + (saslSsl == null ? "" : ",SASL_SSL:SASL_SSL"),
                        String.join("\n", securedSettings),
                        "log.dirs=" + dataDir.resolve("logs"),
                        "num.partitions=1",
                        "offsets.topic.replication.factor=1",
                        "offsets.topic.num.partitions=4",
                        "transaction.state.log.replication.factor=1",
                        "transaction.state.log.min.isr=1",
                        "transaction.state.log.num.partitions=4",
                        "share.coordinator.state.topic.replication.factor=1",
                        "share.coordinator.state.topic.min.isr=1",
                        "group.initial.rebalance.delay.ms=0",
                        "auto.create.topics.enable=false",
                        "message.max.bytes=8388608",
                        ""));
    }

    /** Formats storage in {@code dataDir} and starts the broker on free ports. */
    public static KafkaBroker start(Path dataDir) throws Exception {
        return start(dataDir, 0);
    }

    /**
     * Starts a broker on {@code port} (0: a free one), formatting {@code dataDir} unless it already
     * holds a formatted log directory.
     *
     * @throws IllegalStateException when the port is taken or the broker does not come up (with the
     *     end of its log)
     */
    public static KafkaBroker start(Path dataDir, int port) throws Exception {
        if (port != 0 && !portFree(port)) {
            throw new IllegalStateException(
                    "port " + port + " is already in use (another broker running?); choose another with --port");
        }
        return start(dataDir, port, null);
    }

    /**
     * Formats storage in {@code dataDir} and starts the broker on free ports, with a {@code SASL_SSL} listener
     * beside the PLAINTEXT one ({@link #saslSslBootstrap()}).
     */
    public static KafkaBroker start(Path dataDir, SaslSsl saslSsl) throws Exception {
        return start(dataDir, 0, saslSsl);
    }

    private static KafkaBroker start(Path dataDir, int port, SaslSsl saslSsl) throws Exception {
        KafkaBroker broker = new KafkaBroker(
                dataDir, port == 0 ? freePort() : port, freePort(), saslSsl, saslSsl == null ? 0 : freePort());
        if (!Files.exists(dataDir.resolve("logs").resolve("meta.properties"))) {
            broker.format();
        }
        broker.startProcess();
        return broker;
    }

    /** Where the broker writes its log. */
    public Path logFile() {
        return dataDir.resolve("broker.log");
    }

    /** True while the broker process runs. */
    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** The PLAINTEXT listener's address. */
    public String bootstrap() {
        return "127.0.0.1:" + port;
    }

    /**
     * The {@code SASL_SSL} listener's address.
     *
     * @throws IllegalStateException when the broker was started without one
     */
    public String saslSslBootstrap() {
        if (saslSsl == null) {
            throw new IllegalStateException("this broker has no SASL_SSL listener");
        }
        return "127.0.0.1:" + saslSslPort;
    }

    private void format() throws Exception {
        List<String> args =
                new ArrayList<>(List.of("format", "-t", Uuid.randomUuid().toString(), "-c", config.toString()));
        if (saslSsl != null) {
            saslSsl.users()
                    .forEach((user, password) -> args.addAll(
                            List.of("--add-scram", "SCRAM-SHA-512=[name=" + user + ",password=" + password + "]")));
        }
        Process format = java("kafka.tools.StorageTool", args.toArray(String[]::new))
                .redirectOutput(dataDir.resolve("format.log").toFile())
                .redirectErrorStream(true)
                .start();
        if (!format.waitFor(120, TimeUnit.SECONDS) || format.exitValue() != 0) {
            throw new IllegalStateException(
                    "kafka storage format failed: " + Files.readString(dataDir.resolve("format.log")));
        }
    }

    /** Starts (or restarts) the broker process and waits until it answers. */
    public void startProcess() throws Exception {
        Path log = dataDir.resolve("broker.log");
        process = java("kafka.Kafka", config.toString())
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectErrorStream(true)
                .start();
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        try (Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                3000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                5000))) {
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("broker exited: " + tail(log));
                }
                try {
                    admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
                    return;
                } catch (Exception notYet) {
                    Thread.sleep(200);
                }
            }
        }
        throw new IllegalStateException("broker did not start within 90 s: " + tail(log));
    }

    /** Stops the broker cleanly (SIGTERM) and waits for it. */
    public void stopProcess() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }

    private ProcessBuilder java(String mainClass, String... args) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m",
                "-XX:+UseSerialGC",
                "-Dlog4j2.configurationFile=" + log4jConfig(),
                "-cp",
                System.getProperty("java.class.path"),
                mainClass));
        command.addAll(List.of(args));
        return new ProcessBuilder(command);
    }

    private Path log4jConfig() {
        Path file = dataDir.resolve("log4j2.properties");
        try {
            Files.writeString(
                    file,
                    String.join(
                            "\n",
                            "rootLogger.level=INFO",
                            "rootLogger.appenderRef.out.ref=out",
                            "appender.out.type=Console",
                            "appender.out.name=out",
                            "appender.out.layout.type=PatternLayout",
                            "appender.out.layout.pattern=[%d] %p %m (%c)%n",
                            "logger.kafka.name=kafka",
                            "logger.kafka.level=WARN",
                            "logger.apache.name=org.apache.kafka",
                            "logger.apache.level=WARN",
                            ""));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    /** Whether nothing listens on {@code port} of the loopback address. */
    public static boolean portFree(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The last 30 lines of {@code log}, for an error that says why a child process failed. */
    public static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() throws InterruptedException {
        stopProcess();
    }
}
