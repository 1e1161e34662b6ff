package dev.gptjt.tools.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PrometheusTextTest {
    private static final String TEXT = String.join(
            "\n",
            "# HELP gptjt_requests_finished_total Requests the engine ended with a result",
            "# TYPE gptjt_requests_finished_total counter",
            "gptjt_requests_finished_total{lane=\"realtime\"} 12.0",
            "gptjt_requests_finished_total{lane=\"bulk\"} 30.0",
            "gptjt_requests_finished_totally_other 99.0",
            "gptjt_batch_inference_seconds_count 40.0",
            "gptjt_batch_inference_seconds_sum 3.5",
            "gptjt_tokens_generated_total 1.0E3 1733500000000",
            "");

    @Test
    void shouldSumAMetricOverItsLabels() {
        assertEquals(
                42.0, PrometheusText.sum(TEXT, "gptjt_requests_finished_total").getAsDouble());
        assertEquals(
                40.0,
                PrometheusText.sum(TEXT, "gptjt_batch_inference_seconds_count").getAsDouble());
        assertEquals(
                1000.0, PrometheusText.sum(TEXT, "gptjt_tokens_generated_total").getAsDouble(), "timestamp");
        assertTrue(PrometheusText.sum(TEXT, "gptjt_nothing").isEmpty());
    }

    @Test
    void shouldTakeTheFirstMetricTheServiceHas() {
        assertEquals(
                Map.entry("gptjt_requests_finished_total", 42.0),
                PrometheusText.first(TEXT, ScaleOutBench.FINISHED_METRICS).orElseThrow());
        String before = TEXT.replaceAll("(?m)^gptjt_requests_finished_total.*$", "");
        assertEquals(
                Map.entry("gptjt_batch_inference_seconds_count", 40.0),
                PrometheusText.first(before, ScaleOutBench.FINISHED_METRICS).orElseThrow(),
                "a service before issue 36: the per-prompt inference timer's count");
        assertTrue(PrometheusText.first("", List.of("x")).isEmpty());
    }
}
