package dev.gptjt.stream.config;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptjt.engine.BatchFormation;
import dev.gptjt.engine.DecodingBackend;
import dev.gptjt.engine.EngineConfig;
import dev.gptjt.engine.Lane;
import dev.gptjt.tasks.TaskDefinition;
import dev.gptjt.tasks.decision.DecisionPolicy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigValidatorTest {

    @Test
    void shouldAcceptTheShippedConfiguration() {
        assertDoesNotThrow(() -> ConfigValidator.validate(TestConfig.load(Map.of())));
    }

    @Test
    void shouldDefineTheModelCardTasks() {
        Map<String, TaskDefinition> tasks = Tasks.fromConfig(TestConfig.load(Map.of()));
        assertEquals(
                List.of("currency", "data-cleaning", "entities", "sentiment", "tweet-hate"),
                List.copyOf(tasks.keySet()));
        assertEquals(
                List.of("sadness", "joy", "love", "anger", "fear", "surprise"),
                tasks.get("sentiment").labels());
        assertEquals(
                List.of("hate speech", "not hate speech"),
                tasks.get("tweet-hate").labels());
        assertEquals(TaskDefinition.Mode.EXTRACT, tasks.get("entities").mode());
        assertEquals(List.of("\n"), tasks.get("currency").stop());
        assertEquals("gptjt.results.tweet-hate", tasks.get("tweet-hate").topic());
        assertTrue(tasks.get("sentiment").prompt("so happy").endsWith("\n\nInput: so happy\nOutput:"));
    }

    @Test
    void shouldListEveryBrokenRuleAtOnce() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> ConfigValidator.validate(TestConfig.load(Map.of(
                        "gptjt.engine.max-queue", "4",
                        "gptjt.topics.failures", "gptjt.completions",
                        "gptjt.wire.format", "registry",
                        "gptjt.tasks.mine.template", "no placeholder",
                        "gptjt.tasks.mine.mode", "classify",
                        "gptjt.engine.backend", "in-graph"))));
        String m = e.getMessage();
        assertTrue(
                m.contains("max-queue")
                        && m.contains("four different topics")
                        && m.contains("registry.url")
                        && m.contains("gptjt.tasks.mine")
                        && m.contains("gptjt convert"),
                m);
    }

    @Test
    void shouldNameEachBrokenEngineLimitByItsOwnKey() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> ConfigValidator.validate(TestConfig.load(Map.of(
                        "gptjt.model.device-id", "-1",
                        "gptjt.model.intra-op-threads", "-1",
                        "gptjt.engine.max-wait", "-1s",
                        "gptjt.engine.max-new-tokens-cap", "0",
                        "gptjt.engine.max-queue-age", "-1s",
                        "gptjt.engine.max-context", "-1",
                        "gptjt.engine.max-corrections", "-1"))));
        assertEquals("""
                invalid configuration:
                  - gptjt.model.device-id must be >= 0
                  - gptjt.model.intra-op-threads must be >= 0
                  - gptjt.engine.max-wait must not be negative
                  - gptjt.engine.max-new-tokens-cap must be >= 1
                  - gptjt.engine.max-queue-age must not be negative
                  - gptjt.engine.max-context must not be negative
                  - gptjt.engine.max-corrections must be >= 0""", e.getMessage());
    }

    @Test
    void shouldRefuseANegativeMaxContextAtStartNamingItsKey() {
        // Checked only when the engine was built, the refusal named no key (max-context must not be negative).
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> ConfigValidator.validate(TestConfig.load(Map.of("gptjt.engine.max-context", "-1"))));
        assertTrue(e.getMessage().contains("gptjt.engine.max-context must not be negative"), e.getMessage());
    }

    @Test
    void shouldMapEveryEngineKeyToItsSetting() {
        EngineConfig config = GptjtConfig.engineConfig(TestConfig.load(Map.ofEntries(
                Map.entry("gptjt.model.device-id", "3"),
                Map.entry("gptjt.model.intra-op-threads", "5"),
                Map.entry("gptjt.model.spin-wait", "true"),
                Map.entry("gptjt.engine.max-batch-size", "4"),
                Map.entry("gptjt.engine.max-wait", "7ms"),
                Map.entry("gptjt.engine.max-queue", "9"),
                Map.entry("gptjt.engine.max-queue-age", "11s"),
                Map.entry("gptjt.engine.max-new-tokens-cap", "13"),
                Map.entry("gptjt.engine.memory-budget", "1G"),
                Map.entry("gptjt.engine.max-context", "512"),
                Map.entry("gptjt.engine.jump-forward", "false"),
                Map.entry("gptjt.engine.max-corrections", "3"),
                Map.entry("gptjt.engine.backend", "java-loop"))));
        assertEquals(3, config.deviceId());
        assertEquals(5, config.intraOpThreads());
        assertEquals(0, config.interOpThreads());
        assertTrue(config.spinWait());
        assertEquals(4, config.maxBatchSize());
        assertEquals(Duration.ofMillis(7), config.maxWait());
        assertEquals(9, config.maxQueue());
        assertEquals(Duration.ofSeconds(11), config.maxQueueAge());
        assertEquals(13, config.maxNewTokensCap());
        assertEquals(1L << 30, config.memoryBudget());
        assertEquals(512, config.maxContext());
        assertEquals(false, config.jumpForward());
        assertEquals(3, config.maxCorrections());
        assertEquals(DecodingBackend.JAVA_LOOP, config.backend());
        assertEquals(false, GptjtConfig.engineConfig(TestConfig.load(Map.of())).spinWait());
        assertEquals(
                EngineConfig.DEFAULT_MAX_CORRECTIONS,
                GptjtConfig.engineConfig(TestConfig.load(Map.of())).maxCorrections());
    }

    @Test
    void shouldRefuseACascadeOnATaskThatDoesNotClassifyOrWithAThresholdOutOfRange() {
        IllegalArgumentException generate = assertThrows(
                IllegalArgumentException.class,
                () -> ConfigValidator.validate(
                        TestConfig.load(Map.of("gptjt.tasks.entities.cascade.model", "/tmp/x"))));
        assertTrue(generate.getMessage().contains("gptjt.tasks.entities.cascade"), generate.getMessage());
        IllegalArgumentException threshold = assertThrows(
                IllegalArgumentException.class,
                () -> ConfigValidator.validate(TestConfig.load(Map.of(
                        "gptjt.tasks.tweet-hate.cascade.model", "/tmp/x",
                        "gptjt.tasks.tweet-hate.cascade.min-probability", "1.5"))));
        assertTrue(
                threshold.getMessage().contains("gptjt.tasks.tweet-hate.cascade.min-probability"),
                threshold.getMessage());
        assertDoesNotThrow(() -> ConfigValidator.validate(TestConfig.load(Map.of(
                "gptjt.tasks.tweet-hate.cascade.model", "/tmp/x",
                "gptjt.tasks.tweet-hate.cascade.audit-fraction", "0.05"))));
    }

    @Test
    void shouldRefuseAnUnknownValueOfAnEnumKeyNamingTheKeyAndTheValues() {
        for (String[] bad : new String[][] {
            {"gptjt.engine.backend", "gpu-magic", "java-loop"},
            {"gptjt.engine.batch-formation", "random", "by-length"},
            {"gptjt.model.provider", "tpu", "cuda"},
            {"gptjt.stream.store", "redis", "in-memory"},
            {"gptjt.wire.format", "json", "single-object"},
            {"gptjt.tasks.mine.mode", "chat", "classify"},
            {"gptjt.tasks.mine.priority", "urgent", "realtime"}
        }) {
            RuntimeException e = assertThrows(
                    RuntimeException.class,
                    () -> TestConfig.load(Map.of(bad[0], bad[1], "gptjt.tasks.mine.template", "{input}")));
            String message = String.valueOf(e.getMessage());
            assertTrue(
                    message.contains(bad[0]) && message.contains(bad[1]) && message.contains(bad[2]),
                    bad[0] + ": " + message);
        }
        GptjtConfig hyphenated = TestConfig.load(Map.of(
                "gptjt.engine.backend", "java-loop",
                "gptjt.stream.store", "in-memory",
                "gptjt.engine.batch-formation", "fifo"));
        assertEquals(DecodingBackend.JAVA_LOOP, hyphenated.engine().backend());
        assertEquals(BatchFormation.FIFO, GptjtConfig.engineConfig(hyphenated).batchFormation());
        assertEquals(
                BatchFormation.BY_LENGTH,
                GptjtConfig.engineConfig(TestConfig.load(Map.of())).batchFormation());
        assertEquals(PendingStore.IN_MEMORY, hyphenated.stream().store());
    }

    @Test
    void shouldLetUsersAddATaskWithoutCode() {
        Map<String, TaskDefinition> tasks = Tasks.fromConfig(TestConfig.load(Map.of(
                "gptjt.tasks.spam.mode", "classify",
                "gptjt.tasks.spam.labels", "spam,ham",
                "gptjt.tasks.spam.template", "Is this spam?\\n{input}\\nAnswer:",
                "gptjt.tasks.spam.topic", "spam.results")));
        TaskDefinition spam = tasks.get("spam");
        assertEquals(List.of(" spam", " ham"), spam.continuations());
        assertEquals("spam.results", spam.topic());
    }

    @Test
    void shouldReadEachTasksLaneRealtimeUnlessItSaysBulk() {
        Map<String, Lane> lanes =
                Tasks.lanesFromConfig(TestConfig.load(Map.of("gptjt.tasks.sentiment.priority", "bulk")));
        assertEquals(Lane.BULK, lanes.get("sentiment"));
        assertEquals(Lane.REALTIME, lanes.get("tweet-hate"), "realtime by default");
        assertEquals("gptjt.bulk-prompts", TestConfig.load(Map.of()).topics().bulkPrompts());
    }

    @Test
    void shouldRefuseABulkPromptsTopicThatIsAnotherOfTheServicesTopics() {
        for (Map<String, String> bad : List.of(
                Map.of("gptjt.topics.bulk-prompts", "gptjt.prompts"),
                Map.of("gptjt.topics.bulk-prompts", "gptjt.failures"),
                Map.of("gptjt.topics.allowed-reply-topics", "gptjt.bulk-prompts"),
                Map.of("gptjt.tasks.sentiment.topic", "gptjt.bulk-prompts"))) {
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> ConfigValidator.validate(TestConfig.load(bad)));
            assertTrue(e.getMessage().contains("bulk"), bad + ": " + e.getMessage());
        }
    }

    @Test
    void shouldRefuseACacheTtlOrSizeOutOfRangeNamingItsKey() {
        Map<Map<String, String>, String> cases = Map.of(
                Map.of("gptjt.cache.ttl", "0s"), "gptjt.cache.ttl",
                Map.of("gptjt.cache.ttl", "30d"), "gptjt.cache.ttl",
                Map.of("gptjt.cache.max-entries", "0"), "gptjt.cache.max-entries",
                Map.of("gptjt.cache.max-entries", "20000000"), "gptjt.cache.max-entries");
        cases.forEach((bad, key) -> {
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> ConfigValidator.validate(TestConfig.load(bad)));
            assertTrue(e.getMessage().contains(key), bad + ": " + e.getMessage());
        });
        ConfigValidator.validate(TestConfig.load(Map.of("gptjt.cache.enabled", "false", "gptjt.cache.ttl", "1h")));
    }

    @Test
    void shouldGiveTweetHateTheExamplePolicy() {
        DecisionPolicy policy =
                Tasks.policiesFromConfig(TestConfig.load(Map.of())).get("tweet-hate");
        assertEquals(List.of("remove", "review", "allow"), policy.actions());
        List<String> labels = List.of("hate speech", "not hate speech");
        assertEquals("remove", policy.decide(labels, List.of(0.80, 0.20)).action());
        assertEquals("review", policy.decide(labels, List.of(0.50, 0.50)).action());
        assertEquals("allow", policy.decide(labels, List.of(0.4999, 0.5001)).action());
        assertEquals("gptjt.decisions.tweet-hate.review", policy.topic("review"));
        assertEquals(Map.of("tweet-hate", policy), Tasks.policiesFromConfig(TestConfig.load(Map.of())));
    }

    @Test
    void shouldRefuseABadPolicyAtStartInOneLineNamingItsKey() {
        String k = "gptjt.tasks.tweet-hate.decisions.";
        Map<String, String> refusals = Map.of(
                k + "rules[1].label",
                k + "rules[1].label: 'hate' is not one of the task's labels (hate speech, not hate speech)",
                k + "rules[0].action",
                k + "rules[0].action: 'ban' is not one of the policy's actions (remove, review, allow)",
                k + "rules[1].max",
                k + "rules[1]: its band [0.5, 0.9) overlaps rule 0's [0.8, 1.0] of the same label 'hate speech'",
                k + "audit-fraction",
                k + "audit-fraction: must be in [0, 1], was 2.0");
        Map<String, String> values = Map.of(
                k + "rules[1].label", "hate",
                k + "rules[0].action", "ban",
                k + "rules[1].max", "0.9",
                k + "audit-fraction", "2");
        refusals.forEach((key, expected) -> {
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class,
                    () -> ConfigValidator.validate(TestConfig.load(Map.of(key, values.get(key)))));
            assertEquals("invalid configuration:\n  - " + expected, e.getMessage());
        });
        IllegalArgumentException generate = assertThrows(
                IllegalArgumentException.class,
                () -> ConfigValidator.validate(TestConfig.load(Map.of(
                        "gptjt.tasks.currency.decisions.version", "1",
                        "gptjt.tasks.currency.decisions.actions", "allow"))));
        assertTrue(
                generate.getMessage()
                        .contains("gptjt.tasks.currency.decisions: only a classify task can have decisions"),
                generate.getMessage());
    }

    @Test
    void shouldRefuseAnActionAuditOrVerdictsTopicThatIsAPromptsTopic() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> ConfigValidator.validate(TestConfig.load(Map.of(
                        "gptjt.tasks.tweet-hate.decisions.topics.review", "gptjt.prompts",
                        "gptjt.topics.audit", "gptjt.bulk-prompts",
                        "gptjt.topics.verdicts", "gptjt.prompts"))));
        String m = e.getMessage();
        assertTrue(
                m.contains("gptjt.tasks.tweet-hate.decisions.topics.review (gptjt.prompts) must not be the prompts")
                        && m.contains("gptjt.topics.audit must not be the prompts or bulk prompts topic")
                        && m.contains("gptjt.topics.verdicts must not be the prompts or bulk prompts topic"),
                m);
    }
}
