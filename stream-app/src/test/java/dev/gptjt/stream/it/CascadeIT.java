package dev.gptjt.stream.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptjt.cli.kafka.ServiceProcess;
import dev.gptjt.schema.Classification;
import dev.gptjt.schema.PromptRequest;
import dev.gptjt.schema.wire.SingleObjectWireFormat;
import dev.gptjt.schema.wire.WireFormat;
import dev.gptjt.testing.BrokerIT;
import dev.gptjt.testing.TestServices;
import dev.gptjt.testing.Topics;
import dev.gptjt.testing.TweetCascade;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** A task with a cascade, through the packaged service on a real broker; then its history distilled from the topics. */
class CascadeIT extends BrokerIT {
    private static final Path WORK = TestServices.WORK;
    private final WireFormat wire = new SingleObjectWireFormat();

    private static PromptRequest tweet(String id, String text) {
        return PromptRequest.newBuilder()
                .setId(id)
                .setPrompt(text)
                .setTask("tweet-hate")
                .setCreatedAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                .build();
    }

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
                    List.of(tweet("sure", TweetCascade.SURE), tweet("unseen", TweetCascade.UNSEEN)));
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
            Topics.send(
                    broker.bootstrap(), name + ".prompts", wire, List.of(tweet("after-restart", TweetCascade.SURE)));
            Map<String, Classification> answers = read(results, 3);
            assertEquals("cascade", answers.get("after-restart").getModel().getBackend());
            assertEquals(
                    2,
                    answers.values().stream()
                            .filter(c -> c.getModel().getBackend().equals("cascade"))
                            .count());
        }
    }

    @Test
    void shouldRefuseToStartWithAMissingCascadeNamingTheSetting() throws Exception {
        Map<String, String> settings = TestServices.settings(broker.bootstrap(), "cascade-missing", "at_least_once", 1);
        settings.put(
                "gptjt.tasks.tweet-hate.cascade.model",
                WORK.resolve("no-such-cascade").toAbsolutePath().toString());
        Path log = WORK.resolve("cascade-missing.log");
        try (ServiceProcess service = ServiceProcess.start(settings, log)) {
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (service.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertFalse(service.isAlive(), "the service must not run without its cascade");
            String text = Files.readString(log);
            assertTrue(
                    text.contains("gptjt.tasks.tweet-hate.cascade.model") && text.contains("card.json"),
                    service.logTail());
        }
    }

    private static String awaitMetric(ServiceProcess service, String name) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        String body = "";
        while (System.nanoTime() < deadline) {
            body = TestServices.get(service, "/q/metrics").body();
            if (body.contains(name)) {
                return body;
            }
            Thread.sleep(300);
        }
        throw new AssertionError(name + " not exported within 60 s:\n" + body);
    }
}
