package dev.gptjt.tools.bench;

import dev.gptjt.cluster.KafkaBroker;
import dev.gptjt.cluster.ServiceProcess;
import dev.gptjt.tools.ToolException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * A broker and service instances of one application id (one consumer group) in a temporary folder, for the benches
 * that start, stop and scrape services themselves: each instance has its own state directory, HTTP port and log.
 */
public final class BenchCluster implements AutoCloseable {
    /** Partitions of the topics the services create (the prompts topic's caps useful instances). */
    public static final int PARTITIONS = 6;

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /** One service instance: its process and its name in the bench's output ({@code service-1}, ...). */
    public record Instance(String name, ServiceProcess process, Path log) {}

    private final Path work;
    private final KafkaBroker broker;
    private final Map<String, String> settings;
    private final List<Instance> running = new ArrayList<>();
    private int started;

    private BenchCluster(Path work, KafkaBroker broker, Map<String, String> settings) {
        this.work = work;
        this.broker = broker;
        this.settings = settings;
    }

    /**
     * Starts a broker; the instances it starts later run {@code model} with {@code serviceSettings} added to the
     * cluster's own (bootstrap, application id, state directory, partitions).
     */
    public static BenchCluster start(String applicationId, Path model, Map<String, String> serviceSettings)
            throws Exception {
        Path work = Files.createTempDirectory("gptjt-bench-");
        KafkaBroker broker = KafkaBroker.start(work.resolve("kafka"));
        Map<String, String> s = new HashMap<>(Map.of(
                "quarkus.kafka-streams.bootstrap-servers", broker.bootstrap(),
                "quarkus.kafka-streams.application-id", applicationId,
                "gptjt.model.dir", model.toAbsolutePath().toString(),
                "gptjt.topics.partitions", Integer.toString(PARTITIONS)));
        s.putAll(serviceSettings);
        return new BenchCluster(work, broker, s);
    }

    public String bootstrap() {
        return broker.bootstrap();
    }

    /** The instances started and not stopped, oldest first. */
    public List<Instance> running() {
        return List.copyOf(running);
    }

    /**
     * Starts one more instance with {@code extra} settings beside the cluster's and waits until it is ready
     * (model loaded, Kafka Streams running).
     *
     * @throws ToolException when it exits or is not ready within {@code timeout} (with the end of its log)
     */
    public Instance startInstance(Map<String, String> extra, Duration timeout) throws Exception {
        Instance i = launch(extra);
        if (!awaitReady(i, timeout)) {
            i.process().close();
            running.remove(i);
            throw new ToolException(i.name() + " did not get ready within " + timeout.toSeconds() + " s (log " + i.log()
                    + "):\n" + i.process().logTail());
        }
        return i;
    }

    /**
     * Starts an instance with {@code extra} settings and waits until it is ready; when it exits first, naming
     * {@code refusedKey} in its log (a service that does not know that setting refuses it), starts it again without
     * that key. Returns whether the key was kept.
     */
    public boolean startInstanceIfKnown(Map<String, String> extra, String refusedKey, Duration timeout)
            throws Exception {
        Instance i = launch(extra);
        if (awaitReady(i, timeout)) {
            return true;
        }
        String log = Files.readString(i.log());
        running.remove(i);
        i.process().close();
        if (!log.contains(refusedKey)) {
            throw new ToolException(i.name() + " did not get ready within " + timeout.toSeconds() + " s (log " + i.log()
                    + "):\n" + i.process().logTail());
        }
        Map<String, String> without = new HashMap<>(extra);
        without.remove(refusedKey);
        startInstance(without, timeout);
        return false;
    }

    private Instance launch(Map<String, String> extra) throws IOException {
        int n = ++started;
        Map<String, String> s = new HashMap<>(settings);
        s.put("kafka-streams.state.dir", work.resolve("state-" + n).toString());
        s.putAll(extra);
        Path log = work.resolve("service-" + n + ".log");
        Instance i = new Instance("service-" + n, ServiceProcess.start(s, log), log);
        running.add(i);
        return i;
    }

    /** Polls readiness until ready (true), the process exits or {@code timeout} passes (false). */
    private static boolean awaitReady(Instance i, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline && i.process().isAlive()) {
            try {
                if (get(i, "/q/health/ready").statusCode() == 200) {
                    return true;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(250); // a process starting: nothing to wait on but its HTTP port
        }
        return false;
    }

    /** The instance's Prometheus text ({@code /q/metrics}). */
    public static String metrics(Instance i) throws IOException, InterruptedException {
        return get(i, "/q/metrics").body();
    }

    private static HttpResponse<String> get(Instance i, String path) throws IOException, InterruptedException {
        return HTTP.send(
                HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + i.process().httpPort() + path))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** SIGTERM and wait for its exit (the graceful path: its partitions go to the others). */
    public void stop(Instance i, Duration timeout) throws InterruptedException {
        running.remove(i);
        i.process().terminate(timeout);
    }

    /**
     * Creates {@code topic} unless it exists, with the services' partitions (for a topic no service creates), and
     * returns once the broker serves every partition.
     *
     * @throws ToolException when the broker does not lead every partition within 30 s of the topic's creation
     */
    public static void ensureTopic(String bootstrap, String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            Set<String> names = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            if (!names.contains(topic)) {
                admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1)))
                        .all()
                        .get(30, TimeUnit.SECONDS);
                awaitLeaders(admin, topic, Duration.ofSeconds(30));
            }
        }
    }

    /**
     * Creation returns once the controller has committed the topic; the broker serves it only after it has
     * applied that record, and a client that writes in between depends on its retries (as Kafka's own test
     * utilities do, this waits for the broker's metadata instead).
     */
    private static void awaitLeaders(Admin admin, String topic, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!ledEverywhere(admin, topic)) {
            if (System.nanoTime() > deadline) {
                throw new ToolException("topic " + topic + " created, but its partitions have no leader after "
                        + timeout.toSeconds() + " s");
            }
            Thread.sleep(20);
        }
    }

    private static boolean ledEverywhere(Admin admin, String topic) throws Exception {
        TopicDescription d;
        try {
            d = admin.describeTopics(List.of(topic))
                    .topicNameValues()
                    .get(topic)
                    .get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return false; // not yet in the broker's metadata
            }
            throw e;
        }
        return d.partitions().size() == PARTITIONS
                && d.partitions().stream()
                        .allMatch(p -> p.leader() != null && !p.leader().isEmpty());
    }

    @Override
    public void close() throws Exception {
        for (Instance i : List.copyOf(running)) {
            i.process().close();
        }
        running.clear();
        broker.close();
    }
}
