package dev.gptjt.tools.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gptjt.cluster.KafkaBroker;
import dev.gptjt.cluster.ServiceProcess;
import dev.gptjt.schema.Completion;
import dev.gptjt.schema.GenerationParams;
import dev.gptjt.schema.PromptRequest;
import dev.gptjt.schema.wire.SingleObjectWireFormat;
import dev.gptjt.schema.wire.WireFormat;
import dev.gptjt.tools.ToolException;
import dev.gptjt.tools.task.TaskRunner;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The whole Kafka path: prompts sent at a fixed rate (or as fast as possible), completions read back;
 * end-to-end latency from each request's {@code created_at} to its completion's, and the batch sizes
 * the service formed. Against a running service, or an embedded broker and service.
 */
public final class PipelineBench {

    public record Result(
            int count,
            double seconds,
            double reqPerS,
            double newTokPerS,
            double p50Ms,
            double p99Ms,
            Map<Integer, Integer> batchSizes,
            double meanBatch,
            double inEngineP50Ms,
            double inEngineP99Ms,
            double outsideP50Ms,
            double outsideP99Ms,
            double inferenceP50Ms) {
        /** The result as JSON (Jackson; numbers as measured). */
        public ObjectNode json() {
            var o = TaskRunner.JSON
                    .createObjectNode()
                    .put("count", count)
                    .put("seconds", seconds)
                    .put("req_per_s", reqPerS)
                    .put("new_tok_per_s", newTokPerS)
                    .put("p50_ms", p50Ms)
                    .put("p99_ms", p99Ms)
                    .put("mean_batch", meanBatch);
            var sizes = o.putObject("batch_sizes");
            batchSizes.forEach((k, v) -> sizes.put(String.valueOf(k), v));
            return o.put("in_engine_p50_ms", inEngineP50Ms)
                    .put("in_engine_p99_ms", inEngineP99Ms)
                    .put("outside_engine_p50_ms", outsideP50Ms)
                    .put("outside_engine_p99_ms", outsideP99Ms)
                    .put("inference_p50_ms", inferenceP50Ms);
        }
    }

    private PipelineBench() {}

    /**
     * Starts a broker and the service in a temporary folder; returns them to close.
     *
     * @param engineSettings the service's {@code gptjt.engine.*} settings for the run (batch size, wait, formation...)
     */
    public static AutoCloseable embedded(Path model, Map<String, String> engineSettings, String[] bootstrapOut)
            throws Exception {
        Path work = Files.createTempDirectory("gptjt-bench-");
        KafkaBroker broker = KafkaBroker.start(work.resolve("kafka"));
        Map<String, String> settings = new HashMap<>(Map.of(
                "quarkus.kafka-streams.bootstrap-servers", broker.bootstrap(),
                "quarkus.kafka-streams.application-id", "gptjt-bench",
                "kafka-streams.state.dir", work.resolve("state").toString(),
                "gptjt.model.dir", model.toAbsolutePath().toString(),
                "gptjt.topics.partitions", "6"));
        settings.putAll(engineSettings);
        ServiceProcess service = ServiceProcess.start(settings, work.resolve("service.log"));
        bootstrapOut[0] = broker.bootstrap();
        return () -> {
            service.close();
            broker.close();
        };
    }

    /** {@link #run(String, String, String, List, int, double, Path)} without a latency file. */
    public static Result run(
            String bootstrap,
            String promptsTopic,
            String completionsTopic,
            List<String> prompts,
            int newTokens,
            double rate)
            throws Exception {
        return run(bootstrap, promptsTopic, completionsTopic, prompts, newTokens, rate, null);
    }

    /**
     * @param rate      prompts per second; 0 sends as fast as possible
     * @param latencies when not null, one CSV line per prompt is written there (when it was sent, its
     *                  latency and that latency's parts, the batch it finished in), in completion order
     */
    public static Result run(
            String bootstrap,
            String promptsTopic,
            String completionsTopic,
            List<String> prompts,
            int newTokens,
            double rate,
            Path latencies)
            throws Exception {
        WireFormat wire = new SingleObjectWireFormat();
        awaitService(bootstrap, promptsTopic, completionsTopic);
        String run = Long.toString(System.currentTimeMillis(), 36);
        int n = prompts.size();
        List<Double> totals = new ArrayList<>();
        StringBuilder csv = new StringBuilder("sent_s,latency_ms,queued_ms,inference_ms,outside_ms,batch_size\n");
        Instant firstSendWall;
        List<Double> inEngine = new ArrayList<>();
        List<Double> outside = new ArrayList<>();
        List<Double> inference = new ArrayList<>();
        Map<Integer, Integer> batchSizes = new TreeMap<>();
        long firstSend;
        long lastResult = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = BenchClients.readerFromEnd(bootstrap, completionsTopic);
                KafkaProducer<byte[], byte[]> producer = BenchClients.producer(bootstrap)) {
            firstSend = System.nanoTime();
            firstSendWall = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            Set<String> seen = new HashSet<>();
            int sent = 0;
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(30);
            while (seen.size() < n && System.nanoTime() < deadline) {
                long due = rate <= 0 ? n : Math.min(n, (long) ((System.nanoTime() - firstSend) / 1e9 * rate) + 1);
                boolean sending = sent < due;
                for (; sent < due; sent++) {
                    String id = "bench-" + run + "-" + sent;
                    PromptRequest r = PromptRequest.newBuilder()
                            .setId(id)
                            .setPrompt(prompts.get(sent))
                            .setParams(GenerationParams.newBuilder()
                                    .setMaxNewTokens(newTokens)
                                    .build())
                            .setCreatedAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                            .build();
                    producer.send(new ProducerRecord<>(
                            promptsTopic, id.getBytes(StandardCharsets.UTF_8), wire.encode(promptsTopic, r)));
                }
                if (sending) {
                    producer.flush();
                }
                // Wait for completions until the next prompt is due, not in a short spin: this client shares
                // the machine with what it measures.
                long untilNext = sent >= n || rate <= 0
                        ? TimeUnit.MILLISECONDS.toNanos(100)
                        : firstSend + (long) (sent / rate * 1e9) - System.nanoTime();
                for (ConsumerRecord<byte[], byte[]> rec :
                        consumer.poll(Duration.ofNanos(Math.max(TimeUnit.MILLISECONDS.toNanos(1), untilNext)))) {
                    Completion c = wire.decode(rec.topic(), rec.value(), Completion.class);
                    if (c.getId().startsWith("bench-" + run + "-") && seen.add(c.getId())) {
                        double total = c.getCreatedAt().toEpochMilli()
                                - c.getRequestCreatedAt().toEpochMilli();
                        totals.add(total);
                        csv.append(String.format(
                                Locale.ROOT,
                                "%.3f,%.0f,%d,%d,%.0f,%d%n",
                                (c.getRequestCreatedAt().toEpochMilli() - firstSendWall.toEpochMilli()) / 1e3,
                                total,
                                c.getQueuedMs(),
                                c.getInferenceMs(),
                                total - c.getQueuedMs() - c.getInferenceMs(),
                                c.getBatchSize()));
                        inEngine.add((double) c.getQueuedMs() + c.getInferenceMs());
                        outside.add(total - c.getQueuedMs() - c.getInferenceMs());
                        inference.add((double) c.getInferenceMs());
                        batchSizes.merge(c.getBatchSize(), 1, Integer::sum);
                        lastResult = System.nanoTime();
                    }
                }
            }
            if (seen.size() < n) {
                throw new ToolException(
                        "only " + seen.size() + " of " + n + " prompts were answered within 30 minutes");
            }
        }
        if (latencies != null) {
            Files.writeString(latencies, csv);
        }
        double seconds = (lastResult - firstSend) / 1e9;
        totals.sort(Double::compare);
        inEngine.sort(Double::compare);
        outside.sort(Double::compare);
        inference.sort(Double::compare);
        double meanBatch = batchSizes.entrySet().stream()
                        .mapToDouble(e -> (double) e.getKey() * e.getValue())
                        .sum()
                / n;
        return new Result(
                n,
                seconds,
                n / seconds,
                (double) n * newTokens / seconds,
                totals.get((n - 1) / 2),
                totals.get((int) Math.ceil(0.99 * n) - 1),
                batchSizes,
                meanBatch,
                inEngine.get((n - 1) / 2),
                inEngine.get((int) Math.ceil(0.99 * n) - 1),
                outside.get((n - 1) / 2),
                outside.get((int) Math.ceil(0.99 * n) - 1),
                inference.get((n - 1) / 2));
    }

    static void awaitService(String bootstrap, String promptsTopic, String completionsTopic) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            while (System.nanoTime() < deadline) {
                if (admin.listTopics()
                        .names()
                        .get(10, TimeUnit.SECONDS)
                        .containsAll(List.of(promptsTopic, completionsTopic))) {
                    return;
                }
                Thread.sleep(250);
            }
        }
        throw new ToolException(
                "the service's topics " + promptsTopic + ", " + completionsTopic + " did not appear at " + bootstrap);
    }

    /** One run's figures, as bench pipeline prints them. */
    public static void print(PrintStream out, PipelineBench.Result r, int promptTokens, int newTokens, double rate) {

        out.printf(
                "pipeline: %d prompts (%d prompt + %d new tokens) at %s in %.1f s: %.2f req/s, %.1f new tok/s%n",
                r.count(),
                promptTokens,
                newTokens,
                rate <= 0 ? "max rate" : String.format(Locale.ROOT, "%.2f/s", rate),
                r.seconds(),
                r.reqPerS(),
                r.newTokPerS());
        out.printf("end-to-end latency (created_at → completion): p50 %.0f ms, p99 %.0f ms%n", r.p50Ms(), r.p99Ms());
        out.printf(
                "  in the engine (queued + inference): p50 %.0f ms, p99 %.0f ms; outside it (Kafka, store, punctuator): "
                        + "p50 %.0f ms, p99 %.0f ms; inference alone p50 %.0f ms%n",
                r.inEngineP50Ms(), r.inEngineP99Ms(), r.outsideP50Ms(), r.outsideP99Ms(), r.inferenceP50Ms());
        out.printf("batch sizes formed (size: prompts): %s, mean %.2f%n", r.batchSizes(), r.meanBatch());
    }
}
