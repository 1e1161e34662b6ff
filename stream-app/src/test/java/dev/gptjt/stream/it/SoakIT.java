package dev.gptjt.stream.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptjt.cluster.KafkaBroker;
import dev.gptjt.cluster.ServiceProcess;
import dev.gptjt.schema.GenerationParams;
import dev.gptjt.schema.PromptRequest;
import dev.gptjt.schema.wire.SingleObjectWireFormat;
import dev.gptjt.schema.wire.WireFormat;
import dev.gptjt.testing.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * Sustained load (not part of CI: {@code mvn verify -Psoak -Dsoak.minutes=10}): measures the service's
 * capacity, then sends at 80% of it for the given minutes, sampling heap after a forced GC (jcmd) and
 * the consumer group's lag every 30 s. Writes target/it-work/soak.counts.
 */
class SoakIT {
    private static final Path WORK = Path.of("target", "it-work");
    private static final Pattern HEAP_USED = Pattern.compile("used (\\d+)K");
    private final WireFormat wire = new SingleObjectWireFormat();

    @Test
    void shouldKeepHeapFlatAndLagBoundedUnderSustainedLoad() throws Exception {
        int minutes = Integer.getInteger("soak.minutes", 10);
        Files.createDirectories(WORK);
        String name = "soak";
        try (KafkaBroker broker = KafkaBroker.start(Files.createTempDirectory(WORK, "soak-broker-"));
                ServiceProcess service = ServiceProcess.start(
                        Map.of(
                                "quarkus.kafka-streams.bootstrap-servers",
                                broker.bootstrap(),
                                "quarkus.kafka-streams.application-id",
                                name,
                                "kafka-streams.state.dir",
                                Files.createTempDirectory(WORK, "soak-state-").toString(),
                                "gptjt.model.dir",
                                Path.of(System.getProperty("gptjt.models"))
                                        .resolve("tiny-gptj")
                                        .toString(),
                                "gptjt.topics.prompts",
                                name + ".prompts",
                                "gptjt.topics.completions",
                                name + ".completions",
                                "gptjt.topics.failures",
                                name + ".failures"),
                        WORK.resolve("soak.log"));
                Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()));
                KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                        Map.of(
                                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                                broker.bootstrap(),
                                ProducerConfig.LINGER_MS_CONFIG,
                                5),
                        new ByteArraySerializer(),
                        new ByteArraySerializer())) {
            Topics.awaitTopics(broker.bootstrap(), Duration.ofSeconds(120), name + ".prompts", name + ".completions");
            // 1. capacity: a burst, timed until every answer is out
            int burst = 3000;
            long t0 = System.nanoTime();
            for (int i = 0; i < burst; i++) {
                send(producer, name, "burst-" + i);
            }
            producer.flush();
            Topics.readUntil(
                    broker.bootstrap(), name + ".completions", false, Duration.ofMinutes(10), r -> r.size() >= burst);
            double capacity = burst / ((System.nanoTime() - t0) / 1e9);
            double rate = 0.8 * capacity;
            List<String> lines = new ArrayList<>();
            lines.add(String.format(
                    "capacity %.1f prompts/s (burst of %d, 16 new tokens, tiny-gptj); soak at %.1f/s for %d min",
                    capacity, burst, rate, minutes));
            // 2. sustained load at 80 % with samples every 30 s
            long start = System.nanoTime();
            long end = start + TimeUnit.MINUTES.toNanos(minutes);
            long nextSample = start;
            long sent = 0;
            long maxHeapKb = 0;
            long maxLag = 0;
            List<Long> heaps = new ArrayList<>();
            while (System.nanoTime() < end) {
                long due = (long) ((System.nanoTime() - start) / 1e9 * rate);
                for (; sent < due; sent++) {
                    send(producer, name, "soak-" + sent);
                }
                if (System.nanoTime() >= nextSample) {
                    long heap = heapAfterGcKb(service.pid());
                    long lag = lag(admin, name, name + ".prompts");
                    heaps.add(heap);
                    maxHeapKb = Math.max(maxHeapKb, heap);
                    maxLag = Math.max(maxLag, lag);
                    lines.add(String.format(
                            "t=%4ds sent=%d heap-after-gc=%d KB lag=%d",
                            (System.nanoTime() - start) / 1_000_000_000L, sent, heap, lag));
                    nextSample += TimeUnit.SECONDS.toNanos(30);
                }
                Thread.sleep(5);
            }
            producer.flush();
            long total = sent + burst;
            var records = Topics.readUntil(
                    broker.bootstrap(), name + ".completions", false, Duration.ofMinutes(5), r -> r.size() >= total);
            long firstHalf = heaps.subList(0, heaps.size() / 2).stream()
                    .mapToLong(Long::longValue)
                    .max()
                    .orElse(0);
            long secondHalf = heaps.subList(heaps.size() / 2, heaps.size()).stream()
                    .mapToLong(Long::longValue)
                    .max()
                    .orElse(0);
            lines.add(String.format(
                    "records in %d, completions %d, lost %d; peak heap after GC %d KB (first half %d KB, second half %d KB); max lag %d",
                    total, records.size(), total - records.size(), maxHeapKb, firstHalf, secondHalf, maxLag));
            Files.write(WORK.resolve("soak.counts"), lines, StandardCharsets.UTF_8);
            lines.forEach(System.out::println);
            assertEquals(total, records.size());
            assertTrue(secondHalf <= firstHalf * 1.5 + 20_000, "heap after GC stays flat");
        }
    }

    private void send(KafkaProducer<byte[], byte[]> producer, String name, String id) {
        PromptRequest r = PromptRequest.newBuilder()
                .setId(id)
                .setPrompt("Input: tweet " + id + "\nOutput:")
                .setParams(GenerationParams.newBuilder().setMaxNewTokens(16).build())
                .setCreatedAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                .build();
        producer.send(new ProducerRecord<>(
                name + ".prompts", id.getBytes(StandardCharsets.UTF_8), wire.encode(name + ".prompts", r)));
    }

    /** Heap in use right after a full GC of the service JVM, from jcmd. */
    private static long heapAfterGcKb(long pid) throws Exception {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        new ProcessBuilder(jcmd, Long.toString(pid), "GC.run")
                .redirectErrorStream(true)
                .start()
                .waitFor(60, TimeUnit.SECONDS);
        Process info = new ProcessBuilder(jcmd, Long.toString(pid), "GC.heap_info")
                .redirectErrorStream(true)
                .start();
        String out = new String(info.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        info.waitFor(60, TimeUnit.SECONDS);
        Matcher m = HEAP_USED.matcher(out);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    /** Sum over partitions of end offset minus the group's committed offset. */
    private static long lag(Admin admin, String group, String topic) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata()
                .get(30, TimeUnit.SECONDS);
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        committed.keySet().stream()
                .filter(tp -> tp.topic().equals(topic))
                .forEach(tp -> latest.put(tp, OffsetSpec.latest()));
        long lag = 0;
        for (var e : admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS).entrySet()) {
            lag += e.getValue().offset() - committed.get(e.getKey()).offset();
        }
        return lag;
    }
}
