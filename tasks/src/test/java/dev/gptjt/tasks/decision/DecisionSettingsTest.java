package dev.gptjt.tasks.decision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptjt.engine.EngineException;
import dev.gptjt.tasks.TaskProperties;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code gptjt.tasks.NAME.decisions.*} read as the service reads them, and each bad policy refused naming its key. */
class DecisionSettingsTest {
    private static final String TASK = """
            gptjt.tasks.tweet-hate.mode=classify
            gptjt.tasks.tweet-hate.labels=hate speech,not hate speech
            gptjt.tasks.tweet-hate.template=Tweet: {input}\\nLabel:
            """;
    private static final String POLICY = """
            gptjt.tasks.tweet-hate.decisions.version=2026-12-07
            gptjt.tasks.tweet-hate.decisions.actions=remove,review,allow
            gptjt.tasks.tweet-hate.decisions.rules[0].label=hate speech
            gptjt.tasks.tweet-hate.decisions.rules[0].min=0.80
            gptjt.tasks.tweet-hate.decisions.rules[0].action=remove
            gptjt.tasks.tweet-hate.decisions.rules[1].label=hate speech
            gptjt.tasks.tweet-hate.decisions.rules[1].min=0.50
            gptjt.tasks.tweet-hate.decisions.rules[1].max=0.80
            gptjt.tasks.tweet-hate.decisions.rules[1].action=review
            """;

    @TempDir
    Path dir;

    private Map<String, DecisionPolicy> load(String properties) throws IOException {
        return TaskProperties.policies(Files.writeString(dir.resolve("application.properties"), properties));
    }

    @Test
    void shouldReadAPolicyWithItsDefaults() throws Exception {
        DecisionPolicy p = load(TASK + POLICY + "gptjt.tasks.tweet-hate.decisions.topics.review=people.review\n")
                .get("tweet-hate");
        assertEquals("2026-12-07", p.version());
        assertEquals(List.of("remove", "review", "allow"), p.actions());
        assertEquals("allow", p.defaultAction());
        assertEquals(
                new DecisionRule("hate speech", new Band(0.8, 1), "remove"),
                p.rules().get(0));
        assertEquals(
                new DecisionRule("hate speech", new Band(0.5, 0.8), "review"),
                p.rules().get(1));
        assertEquals("people.review", p.topic("review"));
        assertEquals("gptjt.decisions.tweet-hate.remove", p.topic("remove"));
        assertEquals(0, p.auditFraction());
        assertEquals(Map.of(), load(TASK));
    }

    @Test
    void shouldRefuseEachBadPolicyInOneLineNamingItsKey() {
        String k = "gptjt.tasks.tweet-hate.decisions.";
        assertRefused(
                k + "rules[1].label: 'hate' is not one of the task's labels (hate speech, not hate speech)",
                POLICY.replace("rules[1].label=hate speech", "rules[1].label=hate"));
        assertRefused(k + "rules[0].action: 'ban' is not one of", POLICY.replace("action=remove", "action=ban"));
        assertRefused(k + "default-action: 'pass' is not one of", POLICY + k + "default-action=pass\n");
        assertRefused(k + "topics.ban: 'ban' is not one of", POLICY + k + "topics.ban=somewhere\n");
        assertRefused(k + "rules[1].min: must be below max", POLICY.replace("rules[1].min=0.50", "rules[1].min=0.80"));
        assertRefused(k + "rules[1].min: must be below max", POLICY.replace("rules[1].min=0.50", "rules[1].min=0.90"));
        assertRefused(k + "rules[1].min: must be in [0, 1]", POLICY.replace("rules[1].min=0.50", "rules[1].min=-0.5"));
        assertRefused(k + "rules[0].max: must be in [0, 1]", POLICY + k + "rules[0].max=1.5\n");
        assertRefused(
                k + "rules[1]: its band [0.5, 0.9) overlaps rule 0's",
                POLICY.replace("rules[1].max=0.80", "rules[1].max=0.90"));
        assertRefused(k + "rules[1]: its band [0.8, 1.0] lies above rule 0's [0.5, 0.8)", """
                gptjt.tasks.tweet-hate.decisions.version=2026-12-07
                gptjt.tasks.tweet-hate.decisions.actions=remove,review,allow
                gptjt.tasks.tweet-hate.decisions.rules[0].label=hate speech
                gptjt.tasks.tweet-hate.decisions.rules[0].min=0.50
                gptjt.tasks.tweet-hate.decisions.rules[0].max=0.80
                gptjt.tasks.tweet-hate.decisions.rules[0].action=review
                gptjt.tasks.tweet-hate.decisions.rules[1].label=hate speech
                gptjt.tasks.tweet-hate.decisions.rules[1].min=0.80
                gptjt.tasks.tweet-hate.decisions.rules[1].action=remove
                """);
        assertRefused(k + "audit-fraction: must be in [0, 1]", POLICY + k + "audit-fraction=1.01\n");
        assertRefused(k + "version: must not be blank", POLICY.replace("version=2026-12-07", "version= \\t"));
        assertRefused(
                "gptjt.tasks.echo.decisions: only a classify task can have decisions",
                "gptjt.tasks.echo.template=Say: {input}\n" + POLICY.replace("tweet-hate", "echo"));
    }

    @Test
    void shouldRefuseAPolicyMissingItsVersionOrActionsNamingTheKey() {
        String version = refusal(POLICY.replace("gptjt.tasks.tweet-hate.decisions.version=2026-12-07\n", ""));
        assertTrue(version.contains("gptjt.tasks.tweet-hate.decisions.version"), version);
        String actions = refusal(POLICY.replace("gptjt.tasks.tweet-hate.decisions.actions=remove,review,allow\n", ""));
        assertTrue(actions.contains("gptjt.tasks.tweet-hate.decisions.actions"), actions);
    }

    private void assertRefused(String expected, String policy) {
        String m = refusal(policy);
        assertTrue(m.contains(expected), m);
        assertEquals(1, m.lines().count(), m);
    }

    private String refusal(String policy) {
        return assertThrows(EngineException.class, () -> load(TASK + policy)).getMessage();
    }
}
