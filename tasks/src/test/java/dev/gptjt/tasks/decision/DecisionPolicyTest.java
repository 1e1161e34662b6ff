package dev.gptjt.tasks.decision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The policy's bands at their edges, its refusals, and the audit sample's rate and replay. */
class DecisionPolicyTest {
    private static final List<String> LABELS = List.of("hate speech", "not hate speech");
    /** hate speech ≥ 0.80 → remove, 0.50–0.80 → review, otherwise allow. */
    private static final DecisionPolicy POLICY = DecisionPolicy.of(
            "tweet-hate",
            "2026-12-07",
            List.of("remove", "review", "allow"),
            List.of(
                    new DecisionRule("hate speech", new Band(0.80, 1), "remove"),
                    new DecisionRule("hate speech", new Band(0.50, 0.80), "review")),
            "allow",
            Map.of("review", "people.review"),
            0.1);

    private static PolicyDecision decide(double hate) {
        return POLICY.decide(LABELS, List.of(hate, 1 - hate));
    }

    @Test
    void shouldTakeTheFirstMatchingBandMinInclusiveMaxExclusiveAndOneIncluded() {
        assertEquals(new PolicyDecision("remove", 0, "hate speech", 0.80), decide(0.80));
        assertEquals("remove", decide(1.0).action(), "max 1 includes 1");
        assertEquals("remove", decide(0.95).action());
        assertEquals(new PolicyDecision("review", 1, "hate speech", 0.7999999), decide(0.7999999));
        assertEquals("review", decide(0.50).action(), "min is inclusive");
        assertEquals("allow", decide(0.4999).action());
        assertEquals("allow", decide(0.0).action());
        PolicyDecision allow = decide(0.4999);
        assertTrue(allow.isDefault());
        assertNull(allow.rule());
        assertNull(allow.label());
        assertNull(allow.probability());
    }

    @Test
    void shouldReadBandsAsMinInclusiveMaxExclusiveExceptOne() {
        Band mid = new Band(0.5, 0.8);
        assertTrue(mid.contains(0.5));
        assertFalse(mid.contains(0.8));
        assertFalse(mid.contains(Math.nextDown(0.5)));
        assertTrue(mid.contains(Math.nextDown(0.8)));
        Band top = new Band(0.8, 1);
        assertTrue(top.contains(1.0));
        assertFalse(top.contains(Math.nextUp(1.0)));
        assertFalse(mid.overlaps(top), "bands meeting at an edge do not overlap");
        assertTrue(new Band(0.5, 0.81).overlaps(top));
    }

    @Test
    void shouldGiveEachActionItsOverriddenOrDefaultTopic() {
        assertEquals("gptjt.decisions.tweet-hate.remove", POLICY.topic("remove"));
        assertEquals("people.review", POLICY.topic("review"));
        assertEquals("gptjt.decisions.tweet-hate.allow", POLICY.topic("allow"));
    }

    @Test
    void shouldRefuseABadPolicyNamingItsKey() {
        List<String> actions = List.of("remove", "review", "allow");
        assertRefused("decisions.version", () -> policy(" ", actions, List.of(), "allow", Map.of(), 0));
        assertRefused("decisions.actions", () -> policy("v", List.of(), List.of(), "allow", Map.of(), 0));
        assertRefused(
                "decisions.actions: 'allow' is listed twice",
                () -> policy("v", List.of("allow", "allow"), List.of(), "allow", Map.of(), 0));
        assertRefused(
                "decisions.actions: 'a b'",
                () -> policy("v", List.of("a b", "allow"), List.of(), "allow", Map.of(), 0));
        assertRefused(
                "decisions.default-action: 'pass' is not one of the policy's actions (remove, review, allow)",
                () -> policy("v", actions, List.of(), "pass", Map.of(), 0));
        assertRefused(
                "decisions.rules[1].action: 'ban'",
                () -> policy(
                        "v",
                        actions,
                        List.of(rule("hate speech", 0.8, 1, "remove"), rule("hate speech", 0.5, 0.8, "ban")),
                        "allow",
                        Map.of(),
                        0));
        assertRefused(
                "decisions.topics.ban: 'ban'",
                () -> policy("v", actions, List.of(), "allow", Map.of("ban", "somewhere"), 0));
        assertRefused(
                "decisions.rules[1]: its band [0.5, 0.85) overlaps rule 0's [0.8, 1.0]",
                () -> policy(
                        "v",
                        actions,
                        List.of(rule("hate speech", 0.8, 1, "remove"), rule("hate speech", 0.5, 0.85, "review")),
                        "allow",
                        Map.of(),
                        0));
        assertRefused(
                "decisions.rules[2]: its band [0.8, 1.0] lies above rule 0's",
                () -> policy(
                        "v",
                        actions,
                        List.of(
                                rule("hate speech", 0.5, 0.8, "review"),
                                rule("not hate speech", 0.9, 1, "allow"),
                                rule("hate speech", 0.8, 1, "remove")),
                        "allow",
                        Map.of(),
                        0));
        assertRefused("decisions.audit-fraction", () -> policy("v", actions, List.of(), "allow", Map.of(), 1.5));
        assertRefused("decisions.audit-fraction", () -> policy("v", actions, List.of(), "allow", Map.of(), -0.1));
        assertRefused(
                "decisions.rules[0].label: 'hate' is not one of the task's labels (hate speech, not hate speech)",
                () -> policy("v", actions, List.of(rule("hate", 0.8, 1, "remove")), "allow", Map.of(), 0)
                        .checkLabels(LABELS));
        assertThrows(IllegalArgumentException.class, () -> new Band(0.8, 0.8));
        assertThrows(IllegalArgumentException.class, () -> new Band(0.9, 0.8));
        assertThrows(IllegalArgumentException.class, () -> new Band(-0.1, 0.8));
        assertThrows(IllegalArgumentException.class, () -> new Band(0.5, 1.1));
    }

    @Test
    void shouldSampleTheAuditFractionWithinThreeStandardDeviationsAndTheSameIdsOnReplay() {
        int n = 10_000;
        for (double rate : new double[] {0.1, 0.02, 0.5}) {
            AuditSampler sampler = new AuditSampler("tweet-hate", rate);
            List<String> picked = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                if (sampler.audited("tweet-" + i)) {
                    picked.add("tweet-" + i);
                }
            }
            double sd = Math.sqrt(n * rate * (1 - rate));
            assertTrue(
                    Math.abs(picked.size() - n * rate) <= 3 * sd,
                    picked.size() + " of " + n + " picked at rate " + rate + " (3 sd = " + 3 * sd + ")");
            AuditSampler replay = new AuditSampler("tweet-hate", rate);
            List<String> again = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                if (replay.audited("tweet-" + i)) {
                    again.add("tweet-" + i);
                }
            }
            assertEquals(picked, again, "a replay picks the same records");
        }
        assertFalse(new AuditSampler("t", 0).audited("x"));
        assertTrue(new AuditSampler("t", 1).audited("x"));
    }

    @Test
    void shouldSampleEachTaskApart() {
        AuditSampler a = new AuditSampler("a", 0.5);
        AuditSampler b = new AuditSampler("b", 0.5);
        int differ = 0;
        for (int i = 0; i < 1000; i++) {
            if (a.audited("id-" + i) != b.audited("id-" + i)) {
                differ++;
            }
        }
        assertTrue(differ > 400 && differ < 600, differ + " of 1000 picked differently by two tasks");
    }

    private static DecisionRule rule(String label, double min, double max, String action) {
        return new DecisionRule(label, new Band(min, max), action);
    }

    private static DecisionPolicy policy(
            String version,
            List<String> actions,
            List<DecisionRule> rules,
            String defaultAction,
            Map<String, String> topics,
            double audit) {
        return DecisionPolicy.of("tweet-hate", version, actions, rules, defaultAction, topics, audit);
    }

    private static void assertRefused(String expected, Runnable build) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build::run);
        assertTrue(e.getMessage().startsWith(expected), e.getMessage());
    }
}
