package dev.gptjt.tools.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptjt.schema.AnswerPath;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What {@code bench cache} counts from its answers and the services' metrics, without a service. */
class CacheBenchTest {
    private static TaskTraffic.Answer answer(String id, String label, double hate, AnswerPath by) {
        return new TaskTraffic.Answer(id, label, Map.of("hate speech", hate, "not hate speech", 1 - hate), by, 10, 0);
    }

    private static CacheBench.Run run(boolean cache, List<TaskTraffic.Answer> answers) {
        Map<String, TaskTraffic.Answer> byId = new LinkedHashMap<>();
        answers.forEach(a -> byId.put(a.id(), a));
        return new CacheBench.Run(
                cache ? "on" : "off",
                cache,
                1,
                TaskTraffic.Keying.ID,
                answers.size(),
                1,
                answers.size(),
                0,
                1,
                Latencies.NONE,
                answers.size(),
                0,
                0,
                0,
                byId);
    }

    @Test
    void shouldCallAnswersEqualWhenLabelsMatchAndEveryProbabilityIsWithinTheTolerance() {
        CacheBench.Comparison c = CacheBench.Comparison.of(
                run(false, List.of(answer("a", "hate speech", 0.8, AnswerPath.MODEL))),
                run(true, List.of(answer("a", "hate speech", 0.8 + 5e-5, AnswerPath.CACHE))));
        assertTrue(c.equal(), c.toString());
        assertEquals(1, c.compared());
        assertEquals(5e-5, c.maxDp(), 1e-12);
        assertTrue(c.disagreements().isEmpty());
    }

    @Test
    void shouldCountMissingIdsDifferingLabelsAndAProbabilityBeyondTheTolerance() {
        CacheBench.Comparison c = CacheBench.Comparison.of(
                run(
                        false,
                        List.of(
                                answer("a", "hate speech", 0.8, AnswerPath.MODEL),
                                answer("b", "hate speech", 0.6, AnswerPath.MODEL),
                                answer("c", "not hate speech", 0.2, AnswerPath.MODEL))),
                run(
                        true,
                        List.of(
                                answer("a", "not hate speech", 0.4, AnswerPath.CACHE),
                                answer("b", "hate speech", 0.6 + 2e-4, AnswerPath.MODEL),
                                answer("d", "hate speech", 0.9, AnswerPath.MODEL))));
        assertFalse(c.equal());
        assertEquals(2, c.compared());
        assertEquals(2, c.missing(), "c answered only cache off, d only cache on");
        assertEquals(1, c.labelsDiffer());
        assertEquals(0.4, c.maxDp(), 1e-12);
        assertEquals(2, c.disagreements().size(), c.disagreements().toString());
        assertTrue(c.disagreements().get(0).startsWith("a: off hate speech, on not hate speech (CACHE)"));
    }

    @Test
    void shouldSumACountersSamplesWithOneLabelValueOnly() {
        String text = String.join(
                "\n",
                "# TYPE gptjt_cache_requests_total counter",
                "gptjt_cache_requests_total{outcome=\"hit\",} 12.0",
                "gptjt_cache_requests_total{outcome=\"shared\",} 3.0",
                "gptjt_cache_requests_total{outcome=\"miss\",} 40.0",
                "gptjt_prefix_cache_requests_total{outcome=\"hit\",} 99.0",
                "");
        assertEquals(12.0, CacheBench.withLabel(text, CacheBench.CACHE_REQUESTS, "outcome", "hit"));
        assertEquals(3.0, CacheBench.withLabel(text, CacheBench.CACHE_REQUESTS, "outcome", "shared"));
        assertEquals(0.0, CacheBench.withLabel(text, CacheBench.CACHE_REQUESTS, "outcome", "uncacheable"));
    }

    @Test
    void shouldTakeTheMedianOfTheRoundsRatios() {
        assertEquals(1.3, CacheBench.median(new double[] {1.5, 1.0, 1.25, 1.35}), 1e-12);
        assertEquals(1.2, CacheBench.median(new double[] {1.2, 1.35, 1.13}), 1e-12);
    }
}
