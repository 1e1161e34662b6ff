package dev.gptjt.stream.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptjt.engine.EngineResult;
import dev.gptjt.engine.Lane;
import dev.gptjt.engine.StepStats;
import dev.gptjt.engine.StopCause;
import dev.gptjt.stream.config.Tasks;
import dev.gptjt.stream.config.TestConfig;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The engine's per-step and per-lane meters, as Prometheus scrapes them from /q/metrics. */
class GptjtMetricsTest {
    private static final Pattern SAMPLE = Pattern.compile("^([a-z_]+)(\\{[^}]*})? (\\S+)$");

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final GptjtMetrics metrics = new GptjtMetrics(registry);

    @Test
    void shouldExportEveryLaneCauseAndPlaceBeforeTheFirstEvent() {
        Map<String, Double> samples = scrape();
        for (String lane : new String[] {"realtime", "bulk"}) {
            assertEquals(0.0, samples.get("gptjt_rows_running{lane=\"" + lane + "\"}"));
            assertEquals(0.0, samples.get("gptjt_rows_waiting{lane=\"" + lane + "\"}"));
            assertEquals(0.0, samples.get("gptjt_queue_wait_seconds_count{lane=\"" + lane + "\"}"));
            assertEquals(0.0, samples.get("gptjt_requests_finished_total{lane=\"" + lane + "\"}"));
            assertEquals(0.0, samples.get("gptjt_engine_corrections_count{lane=\"" + lane + "\"}"));
            assertEquals(0.0, samples.get("gptjt_engine_handed_back_total{lane=\"" + lane + "\"}"));
            for (StopCause cause : StopCause.values()) {
                for (String where : new String[] {"queued", "running"}) {
                    String key = "gptjt_requests_stopped_total{cause=\"" + cause.label() + "\",lane=\"" + lane
                            + "\",where=\"" + where + "\"}";
                    assertEquals(0.0, samples.get(key), key);
                }
            }
        }
        assertEquals(0.0, samples.get("gptjt_step_seconds_count"));
        assertEquals(0.0, samples.get("gptjt_step_tokens_count{kind=\"prompt\"}"));
        assertEquals(0.0, samples.get("gptjt_step_tokens_count{kind=\"decode\"}"));
        assertEquals(0.0, samples.get("gptjt_batch_size_count"));
    }

    @Test
    void shouldExportEveryPolicysDecisionsAndAuditSampleFromStartAndCountThem() {
        metrics.watchPolicies(Tasks.policiesFromConfig(TestConfig.load(Map.of())));
        Map<String, Double> start = scrape();
        for (String action : new String[] {"remove", "review", "allow"}) {
            assertEquals(0.0, start.get("gptjt_decisions_total{action=\"" + action + "\",task=\"tweet-hate\"}"));
        }
        assertEquals(0.0, start.get("gptjt_audit_sampled_total{task=\"tweet-hate\"}"));
        metrics.decision("tweet-hate", "review");
        metrics.decision("tweet-hate", "review");
        metrics.auditSampled("tweet-hate");
        Map<String, Double> after = scrape();
        assertEquals(2.0, after.get("gptjt_decisions_total{action=\"review\",task=\"tweet-hate\"}"));
        assertEquals(1.0, after.get("gptjt_audit_sampled_total{task=\"tweet-hate\"}"));
    }

    @Test
    void shouldRecordEachStepAndKeepTheLastStepsRowsPerLane() {
        metrics.onStep(new StepStats(TimeUnit.MILLISECONDS.toNanos(40), 6, 300, 5, 3, 2, 7, 11));
        metrics.onStep(new StepStats(TimeUnit.MILLISECONDS.toNanos(20), 4, 0, 4, 2, 2, 1, 9));
        Map<String, Double> samples = scrape();
        assertEquals(2.0, samples.get("gptjt_batch_size_count"), "one sample per step");
        assertEquals(10.0, samples.get("gptjt_batch_size_sum"), "rows per step");
        assertEquals(2.0, samples.get("gptjt_step_seconds_count"));
        assertEquals(0.06, samples.get("gptjt_step_seconds_sum"), 1e-9);
        assertEquals(300.0, samples.get("gptjt_step_tokens_sum{kind=\"prompt\"}"));
        assertEquals(9.0, samples.get("gptjt_step_tokens_sum{kind=\"decode\"}"));
        assertEquals(2.0, samples.get("gptjt_rows_running{lane=\"realtime\"}"), "the last step's");
        assertEquals(2.0, samples.get("gptjt_rows_running{lane=\"bulk\"}"));
        assertEquals(1.0, samples.get("gptjt_rows_waiting{lane=\"realtime\"}"));
        assertEquals(9.0, samples.get("gptjt_rows_waiting{lane=\"bulk\"}"));
    }

    @Test
    void shouldCountQueueWaitFinishesAndStopsByLane() {
        metrics.onStarted(Lane.BULK, TimeUnit.SECONDS.toNanos(3));
        metrics.onStarted(Lane.REALTIME, TimeUnit.MILLISECONDS.toNanos(5));
        metrics.onFinished(Lane.BULK, result(7));
        metrics.onStopped(Lane.REALTIME, StopCause.CANCELLED, true);
        metrics.onStopped(Lane.BULK, StopCause.PREEMPTED, true);
        metrics.onStopped(Lane.BULK, StopCause.DEADLINE, false);
        Map<String, Double> samples = scrape();
        assertEquals(3.0, samples.get("gptjt_queue_wait_seconds_sum{lane=\"bulk\"}"), 1e-9);
        assertEquals(0.005, samples.get("gptjt_queue_wait_seconds_sum{lane=\"realtime\"}"), 1e-9);
        assertEquals(1.0, samples.get("gptjt_requests_finished_total{lane=\"bulk\"}"));
        assertEquals(0.0, samples.get("gptjt_requests_finished_total{lane=\"realtime\"}"));
        assertEquals(7.0, samples.get("gptjt_tokens_generated_total"));
        assertEquals(
                1.0,
                samples.get("gptjt_requests_stopped_total{cause=\"cancelled\",lane=\"realtime\",where=\"running\"}"));
        assertEquals(
                1.0, samples.get("gptjt_requests_stopped_total{cause=\"preempted\",lane=\"bulk\",where=\"running\"}"));
        assertEquals(
                1.0, samples.get("gptjt_requests_stopped_total{cause=\"deadline\",lane=\"bulk\",where=\"queued\"}"));
        assertTrue(
                samples.keySet().stream().anyMatch(k -> k.startsWith("gptjt_queue_wait_seconds_bucket{")),
                "a histogram: p99 per lane on the dashboard");
    }

    @Test
    void shouldRecordEachCheckedRowsCorrectionsAndCountRowsHandedBackByLane() {
        metrics.onCheckedRow(Lane.REALTIME, 0, 1);
        metrics.onCheckedRow(Lane.REALTIME, 5, 6);
        metrics.onCheckedRow(Lane.BULK, 2, 3);
        metrics.onHandedBack(Lane.BULK);
        metrics.onHandedBack(Lane.BULK);
        Map<String, Double> samples = scrape();
        assertEquals(2.0, samples.get("gptjt_engine_corrections_count{lane=\"realtime\"}"), "one sample per row");
        assertEquals(5.0, samples.get("gptjt_engine_corrections_sum{lane=\"realtime\"}"));
        assertEquals(
                1.0,
                samples.get("gptjt_engine_corrections_bucket{lane=\"realtime\",le=\"0.5\"}"),
                "rows that needed no correction: the share the dashboard shows");
        assertEquals(1.0, samples.get("gptjt_engine_corrections_count{lane=\"bulk\"}"));
        assertEquals(2.0, samples.get("gptjt_engine_corrections_sum{lane=\"bulk\"}"));
        assertEquals(2.0, samples.get("gptjt_engine_handed_back_total{lane=\"bulk\"}"));
        assertEquals(0.0, samples.get("gptjt_engine_handed_back_total{lane=\"realtime\"}"));
    }

    /** Every sample of the scrape by name and labels (sorted by name, as the client writes them). */
    private Map<String, Double> scrape() {
        Map<String, Double> out = new HashMap<>();
        for (String line : registry.scrape().split("\n")) {
            Matcher m = SAMPLE.matcher(line);
            if (!line.startsWith("#") && m.matches()) {
                // the client writes a comma after the last label: {lane="bulk",}
                String labels = m.group(2) == null ? "" : m.group(2).replace(",}", "}");
                out.put(m.group(1) + labels, Double.parseDouble(m.group(3)));
            }
        }
        return out;
    }

    private static EngineResult result(int generated) {
        return new EngineResult() {
            @Override
            public String id() {
                return "r";
            }

            @Override
            public int promptTokens() {
                return 3;
            }

            @Override
            public int prefixTokens() {
                return 0;
            }

            @Override
            public long queuedNanos() {
                return 0;
            }

            @Override
            public long inferenceNanos() {
                return 1_000_000;
            }

            @Override
            public int batchSize() {
                return 1;
            }

            @Override
            public String backend() {
                return "test";
            }

            @Override
            public int generatedTokens() {
                return generated;
            }

            @Override
            public EngineResult withQueuedNanos(long queued) {
                return this;
            }
        };
    }
}
