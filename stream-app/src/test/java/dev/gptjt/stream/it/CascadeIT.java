package dev.gptjt.stream.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptjt.cli.Main;
import dev.gptjt.cluster.ServiceProcess;
import dev.gptjt.schema.Classification;
import dev.gptjt.schema.PromptRequest;
import dev.gptjt.schema.wire.SingleObjectWireFormat;
import dev.gptjt.schema.wire.WireFormat;
import dev.gptjt.testing.BrokerIT;
import dev.gptjt.testing.TestServices;
import dev.gptjt.testing.Topics;
import dev.gptjt.testing.TweetCascade;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** A task with a cascade, through the packaged service on a real broker; then its history distilled from the topics. */
class CascadeIT extends BrokerIT {
    private static final Path WORK = TestServices.WORK;
    private final WireFormat wire = new SingleObjectWireFormat();

    private Map<String, Classification> read(String topic, int count) {
        Map<String, Classification> byId = new HashMap<>();
        Topics.readUntil(broker.bootstrap(), topic, false, Duration.ofSeconds(120), r -> r.size() >= count)
                .forEach(r -> {
                    Classification c = wire.decode(topic, r.value(), Classification.class);
                    byId.put(c.getId(), c);
                });
        return byId;
    }

    @Test
    void shouldAnswerSureRecordsByTheCascadeAndTheRestByGptjtAcrossARestart() throws Exception {
        String name = "cascade";
        Path cascade = TweetCascade.distill(
                Files.createTempDirectory(WORK, "tweet-hate-cascade-"), List.of("hate speech", "not hate speech"));
        Map<String, String> settings = TestServices.settings(broker.bootstrap(), name, "at_least_once", 1);
        String results = name + ".tweet-hate";
        settings.put("gptjt.tasks.tweet-hate.topic", results);
        settings.put(
                "gptjt.tasks.tweet-hate.cascade.model", cascade.toAbsolutePath().toString());
        settings.put("gptjt.tasks.tweet-hate.cascade.min-probability", "0.9");
        settings.put("gptjt.tasks.tweet-hate.cascade.audit-fraction", "1");
        try (ServiceProcess service = ServiceProcess.start(settings, WORK.resolve("cascade-1.log"))) {
            TestServices.awaitReady(service);
            Topics.send(
                    broker.bootstrap(),
                    name + ".prompts",
                    wire,
                    List.of(
                            TweetCascade.tweet("sure", TweetCascade.SURE),
                            TweetCascade.tweet("unseen", TweetCascade.UNSEEN)));
            Map<String, Classification> answers = read(results, 2);
            assertEquals("cascade", answers.get("sure").getModel().getBackend());
            assertEquals("hate speech", answers.get("sure").getLabel());
            assertEquals(
                    cascade.getFileName().toString(),
                    answers.get("sure").getModel().getName());
            assertTrue(
                    !answers.get("unseen").getModel().getBackend().equals("cascade"),
                    answers.get("unseen").toString());
            String metrics = awaitMetric(service, "gptjt_cascade_agreement{");
            assertTrue(
                    Pattern.compile("gptjt_cascade_records_total\\{[^}]*path=\"cascade\"")
                            .matcher(metrics)
                            .find(),
                    metrics);
            assertTrue(
                    Pattern.compile("gptjt_cascade_audits_total\\{[^}]*outcome=")
                            .matcher(metrics)
                            .find(),
                    metrics);
            assertTrue(Files.readString(WORK.resolve("cascade-1.log")).contains("task tweet-hate: cascade "));
        }
        try (ServiceProcess again = ServiceProcess.start(settings, WORK.resolve("cascade-2.log"))) {
            TestServices.awaitReady(again);
            List<PromptRequest> more = new ArrayList<>(List.of(TweetCascade.tweet("after-restart", TweetCascade.SURE)));
            for (int i = 0; i < 9; i++) {
                more.add(TweetCascade.tweet("gptjt-" + i, TweetCascade.UNSEEN + " " + i)); // unseen: for GPT-JT
            }
            Topics.send(broker.bootstrap(), name + ".prompts", wire, more);
            Map<String, Classification> answers = read(results, 12);
            assertEquals("cascade", answers.get("after-restart").getModel().getBackend());
            assertEquals(
                    2,
                    answers.values().stream()
                            .filter(c -> c.getModel().getBackend().equals("cascade"))
                            .count());
        }
        // the service's history as training data: the 10 records GPT-JT answered, not the cascade's 2
        Path config = Files.createTempFile(WORK, "tasks-", ".properties");
        Files.writeString(
                config,
                Files.readString(Path.of("src/main/resources/application.properties"))
                        + "\ngptjt.tasks.tweet-hate.topic=" + results + "\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(
                new String[] {
                    "distill",
                    "--task",
                    "tweet-hate",
                    "--config",
                    config.toAbsolutePath().toString(),
                    "--from-topic",
                    "--prompts-topic",
                    name + ".prompts",
                    "--bootstrap",
                    broker.bootstrap(),
                    "--out",
                    Files.createTempDirectory(WORK, "from-topic-").toString()
                },
                new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        String report = out.toString(StandardCharsets.UTF_8);
        assertTrue(report.contains("distilled tweet-hate: 10 examples (read from the service's topics"), report);
    }

    @Test
    void shouldRefuseToStartWithAMissingCascadeNamingTheSetting() throws Exception {
        Map<String, String> settings = TestServices.settings(broker.bootstrap(), "cascade-missing", "at_least_once", 1);
        settings.put(
                "gptjt.tasks.tweet-hate.cascade.model",
                WORK.resolve("no-such-cascade").toAbsolutePath().toString());
        Path log = WORK.resolve("cascade-missing.log");
        try (ServiceProcess service = ServiceProcess.start(settings, log)) {
            TestServices.awaitExit(service, Duration.ofSeconds(120), "the service must not run without its cascade");
            String text = Files.readString(log);
            assertTrue(
                    text.contains("gptjt.tasks.tweet-hate.cascade.model") && text.contains("card.json"),
                    service.logTail());
        }
    }

    private static String awaitMetric(ServiceProcess service, String name) {
        return TestServices.awaitMetrics(service, name + " exported", Duration.ofSeconds(60), m -> m.contains(name));
    }
}
