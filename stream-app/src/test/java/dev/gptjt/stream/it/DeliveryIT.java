package dev.gptjt.stream.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptjt.cluster.ServiceProcess;
import dev.gptjt.schema.AnswerPath;
import dev.gptjt.schema.Classification;
import dev.gptjt.schema.Completion;
import dev.gptjt.schema.Extraction;
import dev.gptjt.schema.PromptRequest;
import dev.gptjt.schema.wire.SingleObjectWireFormat;
import dev.gptjt.schema.wire.WireFormat;
import dev.gptjt.stream.topology.PromptTopology;
import dev.gptjt.testing.BrokerIT;
import dev.gptjt.testing.TestServices;
import dev.gptjt.testing.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * Delivery guarantees against a real KRaft broker, with the packaged service in its own process:
 * a plain round trip, and SIGKILL while prompts are pending under at-least-once and exactly-once.
 */
class DeliveryIT extends BrokerIT {
    private static final Path WORK = Path.of("target", "it-work");
    private final WireFormat wire = new SingleObjectWireFormat();

    private static Map<String, String> serviceSettings(String name, String guarantee) throws Exception {
        return TestServices.settings(broker.bootstrap(), name, guarantee, 3);
    }

    private static List<PromptRequest> prompts(String prefix, int n, int maxNewTokens) {
        return Topics.generations(prefix, n, maxNewTokens);
    }

    private Map<String, Integer> countById(List<ConsumerRecord<byte[], byte[]>> records, String topic) {
        Map<String, Integer> counts = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            counts.merge(wire.decode(topic, r.value(), Completion.class).getId(), 1, Integer::sum);
        }
        return counts;
    }

    private static Path log(String name) {
        return WORK.resolve(name + ".log");
    }

    @Test
    void shouldAnswerEveryPromptThroughARealBroker() throws Exception {
        String name = "roundtrip";
        Map<String, String> settings = serviceSettings(name, "at_least_once");
        try (ServiceProcess service = ServiceProcess.start(settings, log(name))) {
            List<PromptRequest> sent = prompts(name, 60, 5);
            Topics.awaitTopics(broker.bootstrap(), Duration.ofSeconds(120), name + ".prompts", name + ".completions");
            Topics.send(broker.bootstrap(), name + ".prompts", wire, sent);
            var records = Topics.readUntil(
                    broker.bootstrap(),
                    name + ".completions",
                    false,
                    Duration.ofSeconds(120),
                    r -> r.size() >= sent.size());
            Map<String, Integer> counts = countById(records, name + ".completions");
            assertEquals(
                    sent.size(),
                    counts.size(),
                    () -> "answered " + counts.size() + " of " + sent.size() + "\n" + service.logTail());
            for (ConsumerRecord<byte[], byte[]> r : records) {
                Completion c = wire.decode(r.topic(), r.value(), Completion.class);
                assertEquals(5, c.getCompletionTokens());
                assertEquals(c.getId(), new String(r.key()), "the input key is kept");
            }
        }
    }

    @Test
    void shouldRouteTaskResultsToTheirTopics() throws Exception {
        String name = "tasks";
        Map<String, String> settings = serviceSettings(name, "at_least_once");
        try (ServiceProcess service = ServiceProcess.start(settings, log(name))) {
            Topics.awaitTopics(
                    broker.bootstrap(),
                    Duration.ofSeconds(120),
                    name + ".prompts",
                    "gptjt.results.tweet-hate",
                    "gptjt.results.entities");
            Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            Topics.send(
                    broker.bootstrap(),
                    name + ".prompts",
                    wire,
                    List.of(
                            PromptRequest.newBuilder()
                                    .setId("hate-1")
                                    .setTask("tweet-hate")
                                    .setCreatedAt(now)
                                    .setPrompt("New to Twitter-- any men on here know what the process is to get")
                                    .build(),
                            PromptRequest.newBuilder()
                                    .setId("ent-1")
                                    .setTask("entities")
                                    .setCreatedAt(now)
                                    .setPrompt(
                                            "Pacific Northwest cities include Seattle and Portland, which I have visited with Vikash.")
                                    .build()));
            var classified = Topics.readUntil(
                    broker.bootstrap(), "gptjt.results.tweet-hate", false, Duration.ofSeconds(120), r -> !r.isEmpty());
            var extracted = Topics.readUntil(
                    broker.bootstrap(), "gptjt.results.entities", false, Duration.ofSeconds(120), r -> !r.isEmpty());
            assertEquals(1, classified.size(), service::logTail);
            assertEquals(1, extracted.size(), service::logTail);
            var c = wire.decode("t", classified.get(0).value(), Classification.class);
            assertEquals("hate-1", c.getId());
            assertTrue(List.of("hate speech", "not hate speech").contains(c.getLabel()));
            var x = wire.decode("t", extracted.get(0).value(), Extraction.class);
            assertEquals("ent-1", x.getId());
            assertEquals("entities", x.getTask());
        }
    }

    @Test
    void shouldAnswerEveryPromptAfterSigkillUnderAtLeastOnce() throws Exception {
        killAndRestart("kill-alo", "at_least_once", false);
    }

    @Test
    void shouldAnswerEachPromptExactlyOnceAfterSigkillUnderExactlyOnceV2() throws Exception {
        killAndRestart("kill-eos", "exactly_once_v2", true);
    }

    @Test
    void shouldAnswerRepeatsFromTheCacheAfterSigkillAndARestartFromTheChangelog() throws Exception {
        String name = "cache-kill";
        int n = 12;
        List<PromptRequest> first = prompts(name, n, 4);
        String completions = name + ".completions";
        String changelog = name + "-" + PromptTopology.RESULT_STORE + "-changelog";
        ServiceProcess before = ServiceProcess.start(serviceSettings(name, "at_least_once"), log(name + "-1"));
        try {
            Topics.awaitTopics(broker.bootstrap(), Duration.ofSeconds(120), name + ".prompts", completions);
            Topics.send(broker.bootstrap(), name + ".prompts", wire, first, DeliveryIT::byText);
            var answered = Topics.readUntil(
                    broker.bootstrap(), completions, false, Duration.ofSeconds(120), r -> r.size() >= n);
            assertEquals(n, countById(answered, completions).size(), before::logTail);
            // Killed only once every answer is in the cache's changelog: what a restart restores from.
            var kept =
                    Topics.readUntil(broker.bootstrap(), changelog, false, Duration.ofSeconds(120), r -> r.size() >= n);
            assertEquals(n, kept.size(), before::logTail);
        } finally {
            before.kill();
        }
        // Fresh local state: the result store comes back from its changelog.
        List<PromptRequest> repeats = first.stream()
                .map(p ->
                        PromptRequest.newBuilder(p).setId(p.getId() + "-again").build())
                .toList();
        try (ServiceProcess after = ServiceProcess.start(serviceSettings(name, "at_least_once"), log(name + "-2"))) {
            // Keyed by text, as the README advises: a repeat is read on the partition that answered it first, whose
            // store is restored before it reads a record (another partition's may still be restoring).
            Topics.send(broker.bootstrap(), name + ".prompts", wire, repeats, DeliveryIT::byText);
            var records = Topics.readUntil(
                    broker.bootstrap(),
                    completions,
                    false,
                    Duration.ofSeconds(120),
                    r -> countById(r, completions).keySet().stream()
                                    .filter(id -> id.endsWith("-again"))
                                    .count()
                            >= n);
            Map<String, Completion> byId = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> r : records) {
                Completion c = wire.decode(completions, r.value(), Completion.class);
                byId.putIfAbsent(c.getId(), c);
            }
            for (PromptRequest p : first) {
                Completion original = byId.get(p.getId());
                Completion again = byId.get(p.getId() + "-again");
                assertNotNull(again, () -> p.getId() + "-again unanswered\n" + after.logTail());
                assertEquals(AnswerPath.CACHE, again.getAnsweredBy(), () -> again + "\n" + after.logTail());
                assertEquals(original.getText(), again.getText());
            }
        }
    }

    private static byte[] byText(PromptRequest request) {
        return request.getPrompt().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private void killAndRestart(String name, String guarantee, boolean exactlyOnce) throws Exception {
        int n = 240;
        List<PromptRequest> sent = prompts(name, n, 48);
        String completions = name + ".completions";
        int answeredBeforeKill;
        ServiceProcess first = ServiceProcess.start(serviceSettings(name, guarantee), log(name + "-1"));
        try {
            Topics.awaitTopics(broker.bootstrap(), Duration.ofSeconds(120), name + ".prompts", completions);
            Topics.send(broker.bootstrap(), name + ".prompts", wire, sent);
            answeredBeforeKill = Topics.readUntil(
                            broker.bootstrap(), completions, exactlyOnce, Duration.ofSeconds(120), r -> r.size() >= 20)
                    .size();
            first.kill();
        } finally {
            first.kill();
        }
        assertTrue(
                answeredBeforeKill >= 20 && answeredBeforeKill < n,
                "killed with prompts pending: " + answeredBeforeKill + " answered");
        // The restarted instance has fresh local state: the pending store comes back from its changelog.
        try (ServiceProcess second = ServiceProcess.start(serviceSettings(name, guarantee), log(name + "-2"))) {
            var records = Topics.readUntil(
                    broker.bootstrap(),
                    completions,
                    exactlyOnce,
                    Duration.ofSeconds(240),
                    r -> countById(r, completions).size() >= n);
            Map<String, Integer> counts = countById(records, completions);
            long duplicated = counts.values().stream().filter(c -> c > 1).count();
            String summary = String.format(
                    "%s (%s): sent %d, answered %d distinct ids, %d records, %d ids duplicated, %d answered before SIGKILL",
                    name, guarantee, n, counts.size(), records.size(), duplicated, answeredBeforeKill);
            System.out.println(summary);
            Files.writeString(WORK.resolve(name + ".counts"), summary + "\n");
            assertEquals(n, counts.size(), () -> summary + "\n" + second.logTail());
            if (exactlyOnce) {
                assertEquals(0, duplicated, summary);
                assertEquals(n, records.size(), summary);
            }
        }
    }
}
