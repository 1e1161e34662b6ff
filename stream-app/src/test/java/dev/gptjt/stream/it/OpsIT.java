package dev.gptjt.stream.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gptjt.cluster.ServiceProcess;
import dev.gptjt.schema.Completion;
import dev.gptjt.schema.GenerationParams;
import dev.gptjt.schema.PromptRequest;
import dev.gptjt.schema.wire.SingleObjectWireFormat;
import dev.gptjt.schema.wire.WireFormat;
import dev.gptjt.testing.BrokerIT;
import dev.gptjt.testing.TestServices;
import dev.gptjt.testing.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Operations against the running service: health, metrics (and the dashboard's use of them), graceful shutdown. */
class OpsIT extends BrokerIT {
    private static final Path WORK = Path.of("target", "it-work");
    private static final Path DASHBOARD =
            Path.of(System.getProperty("gptjt.models")).getParent().resolve("deploy/grafana/gptjt-dashboard.json");
    private final WireFormat wire = new SingleObjectWireFormat();

    private static Map<String, String> settings(String name) throws Exception {
        return TestServices.settings(broker.bootstrap(), name, "at_least_once", 2);
    }

    private static List<PromptRequest> prompts(String prefix, int n, int maxNewTokens) {
        List<PromptRequest> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(PromptRequest.newBuilder()
                    .setId(prefix + "-" + i)
                    .setPrompt("Input: " + i + "\nOutput:")
                    .setParams(GenerationParams.newBuilder()
                            .setMaxNewTokens(maxNewTokens)
                            .build())
                    .setCreatedAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                    .build());
        }
        return out;
    }

    @Test
    void shouldReportHealthAndExportEveryMetricTheDashboardUses() throws Exception {
        String name = "ops";
        try (ServiceProcess service = ServiceProcess.start(settings(name), WORK.resolve("ops.log"))) {
            JsonNode ready = TestServices.awaitReady(service);
            assertEquals("UP", ready.at("/status").asText());
            boolean ours = false;
            for (JsonNode check : ready.at("/checks")) {
                if (check.at("/name").asText().equals("gptjt")) {
                    ours = true;
                    assertEquals("tiny-gptj", check.at("/data/model").asText());
                    // ready while RUNNING, and also while REBALANCING (reported, not failing)
                    assertTrue(
                            Set.of("RUNNING", "REBALANCING")
                                    .contains(check.at("/data/kafka-streams").asText()),
                            check.toString());
                }
            }
            assertTrue(ours, ready.toString());
            assertEquals(200, TestServices.get(service, "/q/health/live").statusCode());
            assertEquals(200, TestServices.get(service, "/q/health/started").statusCode());

            List<PromptRequest> sent = new ArrayList<>(prompts(name, 40, 8));
            sent.add(PromptRequest.newBuilder()
                    .setId("bad")
                    .setPrompt(" ")
                    .setCreatedAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                    .build());
            // a backfill's share comes on the bulk prompts topic, which the service reads too
            Topics.send(broker.bootstrap(), name + ".bulk-prompts", wire, sent.subList(0, 4));
            Topics.send(broker.bootstrap(), name + ".prompts", wire, sent.subList(4, sent.size()));
            Topics.readUntil(
                    broker.bootstrap(), name + ".completions", false, Duration.ofSeconds(120), r -> r.size() >= 40);
            // the counters are the service's, updated beside its writes: wait until they have counted every record
            String metrics = TestServices.awaitMetrics(
                    service,
                    "41 prompts in, 40 results and a failure out, counted",
                    Duration.ofSeconds(60),
                    m -> parse(m).getOrDefault("gptjt_prompts_in_total", 0.0) >= 41
                            && parse(m).getOrDefault("gptjt_results_out_total", 0.0) >= 40
                            && parse(m).getOrDefault("gptjt_failures_total", 0.0) >= 1);
            Map<String, Double> samples = parse(metrics);
            for (String counter : List.of(
                    "gptjt_prompts_in_total",
                    "gptjt_results_out_total",
                    "gptjt_failures_total",
                    "gptjt_requests_finished_total",
                    "gptjt_tokens_generated_total",
                    "gptjt_batch_inference_seconds_count")) {
                assertTrue(samples.getOrDefault(counter, 0.0) > 0, counter + " is zero or missing");
            }
            // fed by the engine's step loop (onStep, onStarted): every step and every start counted
            for (String perStep : List.of(
                    "gptjt_batch_size_count",
                    "gptjt_step_seconds_count",
                    "gptjt_step_tokens_count",
                    "gptjt_queue_wait_seconds_count")) {
                assertTrue(samples.getOrDefault(perStep, 0.0) > 0, perStep + " is zero or missing");
            }
            // gauges of the last step: exported, and 0 once the load has drained
            for (String gauge : List.of("gptjt_rows_running", "gptjt_rows_waiting")) {
                assertTrue(samples.containsKey(gauge), gauge + " is missing");
            }
            assertEquals(41.0, samples.get("gptjt_prompts_in_total"));
            assertEquals(40 * 8.0, samples.get("gptjt_tokens_generated_total"));
            assertTrue(
                    samples.containsKey("gptjt_pending_prompts") && samples.containsKey("gptjt_scheduler_queue_depth"));
            assertTrue(samples.containsKey("gptjt_prefix_cache_requests_total"), "the task prefix cache's counters");
            assertTrue(
                    Files.readString(WORK.resolve("ops.log")).contains("task tweet-hate: prefix of"),
                    "each cached prefix's size is logged at start");
            Set<String> used = dashboardMetrics();
            Set<String> missing = new HashSet<>(used);
            missing.removeAll(samples.keySet());
            assertTrue(missing.isEmpty(), "the dashboard queries metrics the service does not export: " + missing);
            assertTrue(
                    used.stream().anyMatch(m -> m.startsWith("kafka_stream_")),
                    "Kafka Streams client metrics on the dashboard");
        }
    }

    @Test
    void shouldStopWithinItsBoundDuringABatchAndAnswerTheRestAfterRestart() throws Exception {
        String name = "shutdown";
        Map<String, String> settings = settings(name); // one state directory for both runs
        int n = 120;
        ServiceProcess first = ServiceProcess.start(settings, WORK.resolve("shutdown-1.log"));
        TestServices.awaitReady(first);
        Topics.send(broker.bootstrap(), name + ".prompts", wire, prompts(name, n, 120));
        int before = Topics.readUntil(
                        broker.bootstrap(), name + ".completions", false, Duration.ofSeconds(120), r -> r.size() >= 8)
                .size();
        long t0 = System.nanoTime();
        first.close(); // SIGTERM while batches are running
        double seconds = (System.nanoTime() - t0) / 1e9;
        String log = Files.readString(WORK.resolve("shutdown-1.log"));
        // bound: Kafka Streams' shutdown timeout (10 s) + the engine's grace (5 s), with slack for a loaded CI machine
        assertTrue(seconds < 30, "graceful shutdown took " + seconds + " s");
        assertTrue(log.contains("engine closed"), "the engine is closed (natives freed) at shutdown");
        try (ServiceProcess second = ServiceProcess.start(settings, WORK.resolve("shutdown-2.log"))) {
            var records = Topics.readUntil(
                    broker.bootstrap(),
                    name + ".completions",
                    false,
                    Duration.ofSeconds(240),
                    r -> r.stream()
                                    .map(c -> wire.decode(c.topic(), c.value(), Completion.class)
                                            .getId())
                                    .distinct()
                                    .count()
                            >= n);
            long distinct = records.stream()
                    .map(c ->
                            wire.decode(c.topic(), c.value(), Completion.class).getId())
                    .distinct()
                    .count();
            String summary = String.format(
                    "graceful shutdown: stopped in %.1f s with %d of %d answered; after restart %d distinct answered, %d records",
                    seconds, before, n, distinct, records.size());
            System.out.println(summary);
            Files.writeString(WORK.resolve("shutdown.counts"), summary + "\n");
            assertTrue(before < n, "stopped with prompts pending");
            assertEquals(n, distinct, summary);
        }
    }

    private static final Pattern SAMPLE =
            Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})?\\s+([-+0-9.eEnaNInf]+)", Pattern.MULTILINE);
    private static final Pattern METRIC_NAME = Pattern.compile("\\b((?:gptjt|kafka_stream|jvm)_[a-z0-9_]+)\\b");

    /** Prometheus text → metric name → sum of its samples. */
    private static Map<String, Double> parse(String text) {
        Map<String, Double> out = new HashMap<>();
        Matcher m = SAMPLE.matcher(text);
        while (m.find()) {
            double v;
            try {
                v = Double.parseDouble(m.group(3));
            } catch (NumberFormatException e) {
                v = Double.NaN;
            }
            out.merge(m.group(1), Double.isNaN(v) ? 0 : v, Double::sum);
        }
        return out;
    }

    private static Set<String> dashboardMetrics() throws Exception {
        Set<String> names = new HashSet<>();
        for (JsonNode panel : new ObjectMapper().readTree(DASHBOARD.toFile()).at("/panels")) {
            for (JsonNode target : panel.at("/targets")) {
                Matcher m = METRIC_NAME.matcher(target.at("/expr").asText());
                while (m.find()) {
                    names.add(m.group(1));
                }
            }
        }
        return names;
    }
}
