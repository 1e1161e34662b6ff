package dev.gptjt.stream.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gptjt.cli.Main;
import dev.gptjt.cluster.KafkaBroker;
import dev.gptjt.cluster.ServiceProcess;
import dev.gptjt.testing.TestServices;
import dev.gptjt.testing.Topics;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The launcher's Kafka commands, as a user runs them: demo, and broker + serve + send + tail. */
class LauncherIT {
    private static final Path WORK = Path.of("target", "it-work");
    private static final String MODEL =
            Path.of(System.getProperty("gptjt.models")).resolve("tiny-gptj").toString();

    private record Run(int code, String out, String err) {}

    private static Run run(String stdin, String... argv) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(
                argv,
                new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** The packaged service on the tiny model against {@code broker}, logging to {@code <name>-service.log}. */
    private static ServiceProcess service(KafkaBroker broker, String name, Map<String, String> more) throws Exception {
        Map<String, String> settings = new java.util.HashMap<>(Map.of(
                "quarkus.kafka-streams.bootstrap-servers",
                broker.bootstrap(),
                "quarkus.kafka-streams.application-id",
                name + "-it",
                "kafka-streams.state.dir",
                Files.createTempDirectory(WORK, name + "-state-").toString(),
                "gptjt.model.dir",
                MODEL));
        settings.putAll(more);
        return ServiceProcess.start(settings, WORK.resolve(name + "-service.log"));
    }

    @Test
    void shouldRunTheDemoOnceAndShowTheDemoModelsAnswers() {
        String demoModel =
                Path.of(System.getProperty("gptjt.models")).resolve("demo-gptj").toString();
        Run demo = run("", "demo", "--once", "--model", demoModel);
        assertEquals(0, demo.code(), demo.out() + demo.err());
        for (String task : new String[] {"raw prompt", "sentiment", "currency", "entities", "data-cleaning"}) {
            assertTrue(demo.out().contains(task), task + " missing in:\n" + demo.out());
        }
        assertTrue(
                demo.out().lines().noneMatch(l -> l.startsWith("tweet-hate")),
                "the demo model shows no moderation label:\n" + demo.out());
        for (String answer :
                new String[] {" Yes ", " Indian Rupee ", " Peter Lee,peter@example.com,510-333-2429 ", " joy (p="}) {
            assertTrue(demo.out().contains(answer), answer + " missing in:\n" + demo.out());
        }
        assertTrue(demo.out().contains("5 answered in"), demo.out());
    }

    @Test
    void shouldRoundTripEveryIdThroughSendAndTail() throws Exception {
        Files.createDirectories(WORK);
        try (KafkaBroker broker = KafkaBroker.start(Files.createTempDirectory(WORK, "launcher-broker-"));
                ServiceProcess service = service(broker, "launcher", Map.of())) {
            Topics.awaitTopics(broker.bootstrap(), Duration.ofSeconds(120), "gptjt.prompts", "gptjt.completions");
            // from the beginning of the fresh completions topic: no race with where tail positions itself
            CompletableFuture<Run> tail = CompletableFuture.supplyAsync(() -> run(
                    "",
                    "tail",
                    "--bootstrap",
                    broker.bootstrap(),
                    "--from-beginning",
                    "--count",
                    "100",
                    "--timeout",
                    "120s"));
            StringBuilder prompts = new StringBuilder();
            for (int i = 0; i < 100; i++) {
                prompts.append("{\"id\": \"c")
                        .append(i)
                        .append("\", \"prompt\": \"Input: tweet ")
                        .append(i)
                        .append("\\nOutput:\"}\n");
            }
            Run send = run(prompts.toString(), "send", "--bootstrap", broker.bootstrap());
            assertEquals(0, send.code(), send.err());
            assertTrue(send.out().contains("sent 100 prompts"), send.out());
            Run tailed = tail.get();
            assertEquals(0, tailed.code(), tailed.err() + service.logTail());
            Set<String> ids = new HashSet<>();
            ObjectMapper json = new ObjectMapper();
            for (String line : tailed.out().split("\n")) {
                JsonNode n = json.readTree(line);
                ids.add(n.get("id").asText());
                assertTrue(n.has("finish_reason") && n.has("model") && n.has("queued_ms"), line);
            }
            assertEquals(100, ids.size());
        }
    }

    @Test
    void shouldRefuseToStartAServiceWhoseMemoryPlanDoesNotFitItsBudget() throws Exception {
        Files.createDirectories(WORK);
        try (KafkaBroker broker = KafkaBroker.start(Files.createTempDirectory(WORK, "plan-broker-"));
                ServiceProcess service = service(broker, "plan", Map.of("gptjt.engine.memory-budget", "1M"))) {
            TestServices.awaitExit(
                    service, Duration.ofSeconds(120), "a service whose plan does not fit must not start");
            String log = Files.readString(WORK.resolve("plan-service.log")); // the refusal, then Quarkus' trace
            assertTrue(
                    log.lines()
                            .anyMatch(l -> l.contains("memory plan does not fit")
                                    && l.contains("not even one row fits")
                                    && l.contains("raise memory-budget")),
                    service.logTail());
        }
    }

    @Test
    void shouldExplainAnUnreachableBrokerInOneLine() {
        Run send = run("", "send", "--bootstrap", "127.0.0.1:1");
        assertEquals(2, send.code());
        assertTrue(send.err().startsWith("gptjt: cannot reach Kafka at 127.0.0.1:1"), send.err());
        assertEquals(1, send.err().strip().lines().count());
    }
}
