package dev.gptjt.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gptjt.cluster.ServiceProcess;
import dev.gptjt.engine.testing.Await;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;

/** Settings of a packaged service under test: its own topics, application id and fresh local state. */
public final class TestServices {
    /** Where the delivery tests keep brokers, state and logs. */
    public static final Path WORK = Path.of("target", "it-work");

    private TestServices() {}

    /**
     * Topics {@code NAME.prompts/.completions/.failures}, application id {@code NAME}, the tiny model,
     * a new state directory; a mutable map, for tests to add to.
     */
    public static Map<String, String> settings(String bootstrap, String name, String guarantee, int partitions)
            throws IOException {
        Files.createDirectories(WORK);
        Map<String, String> s = new HashMap<>();
        s.put("quarkus.kafka-streams.bootstrap-servers", bootstrap);
        s.put("quarkus.kafka-streams.application-id", name);
        s.put("kafka-streams.processing.guarantee", guarantee);
        s.put(
                "kafka-streams.state.dir",
                Files.createTempDirectory(WORK, "state-").toString());
        s.put(
                "gptjt.model.dir",
                Path.of(System.getProperty("gptjt.models")).resolve("tiny-gptj").toString());
        s.put("gptjt.topics.prompts", name + ".prompts");
        s.put("gptjt.topics.bulk-prompts", name + ".bulk-prompts");
        s.put("gptjt.topics.completions", name + ".completions");
        s.put("gptjt.topics.failures", name + ".failures");
        s.put("gptjt.topics.partitions", Integer.toString(partitions));
        return s;
    }

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /** GET {@code path} of the service's HTTP port (health, metrics). */
    public static HttpResponse<String> get(ServiceProcess service, String path) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.httpPort() + path))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /**
     * Waits until the service's metrics satisfy {@code ready}; their text then.
     *
     * @throws AssertionError naming {@code what}, with the last metrics seen, when they do not within {@code timeout}
     */
    public static String awaitMetrics(ServiceProcess service, String what, Duration timeout, Predicate<String> ready) {
        String[] last = {""};
        Await.until(
                what,
                timeout,
                () -> {
                    try {
                        last[0] = get(service, "/q/metrics").body();
                    } catch (Exception notYet) {
                        last[0] = notYet.toString();
                    }
                    return ready.test(last[0]);
                },
                () -> String.join(
                        "\n",
                        last[0].lines().filter(l -> l.startsWith("gptjt_")).toList()));
        return last[0];
    }

    /** Waits until the service process has exited, at most {@code timeout}; fails naming {@code why} if it has not. */
    public static void awaitExit(ServiceProcess service, Duration timeout, String why) {
        Await.until(why, timeout, () -> !service.isAlive(), service::logTail);
    }

    /** Waits up to 120 s for the service to report ready; its readiness JSON. */
    public static JsonNode awaitReady(ServiceProcess service) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> r = get(service, "/q/health/ready");
                last = r.body();
                if (r.statusCode() == 200) {
                    return new ObjectMapper().readTree(r.body());
                }
            } catch (IOException notYet) {
                last = notYet.toString();
            }
            Thread.sleep(300);
        }
        throw new AssertionError("not ready within 120 s: " + last + "\n" + service.logTail());
    }
}
