package dev.gptjt.tools.bench;

import dev.gptjt.schema.AnswerPath;
import dev.gptjt.schema.Classification;
import dev.gptjt.schema.LabelProbability;
import dev.gptjt.schema.PromptRequest;
import dev.gptjt.schema.wire.SingleObjectWireFormat;
import dev.gptjt.schema.wire.WireFormat;
import dev.gptjt.tools.ToolException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * A classify task's records into Kafka on a schedule and their {@link Classification}s back, for {@code bench
 * cache}: the records are sent at their due times from a thread of their own while this one reads the task's result
 * topic, keeping each id's first answer (its label, every label's probability, what answered it, its latency).
 */
public final class TaskTraffic implements AutoCloseable {
    /** How records are keyed: by id (a repeat lands on any partition) or by text (on its original's partition). */
    public enum Keying {
        ID,
        TEXT
    }

    /**
     * An id's first answer.
     *
     * @param probabilities every label's probability, in the task's order
     * @param latencyMs     the request's {@code created_at} to the result's (one host's clock)
     * @param receivedNanos when this client read it ({@link System#nanoTime})
     */
    public record Answer(
            String id,
            String label,
            Map<String, Double> probabilities,
            AnswerPath answeredBy,
            double latencyMs,
            long receivedNanos) {}

    /**
     * What one stream got.
     *
     * @param firstSendNanos when its first record was sent
     * @param answers        each id's first answer, by id
     * @param answeredTwice  ids answered more than once
     */
    public record Outcome(long firstSendNanos, Map<String, Answer> answers, int answeredTwice) {
        /** The last first answer's arrival. */
        public long lastAnswerNanos() {
            return answers.values().stream()
                    .mapToLong(Answer::receivedNanos)
                    .max()
                    .orElse(firstSendNanos);
        }
    }

    private final WireFormat wire = new SingleObjectWireFormat();
    private final String promptsTopic;
    private final String resultsTopic;
    private final String task;
    private final KafkaProducer<byte[], byte[]> producer;
    private final KafkaConsumer<byte[], byte[]> consumer;

    /** Reads {@code resultsTopic} from its end (what comes after now). */
    public TaskTraffic(String bootstrap, String promptsTopic, String resultsTopic, String task) {
        this.promptsTopic = promptsTopic;
        this.resultsTopic = resultsTopic;
        this.task = task;
        this.producer = BenchClients.producer(bootstrap);
        this.consumer = BenchClients.readerFromEnd(bootstrap, resultsTopic);
    }

    /**
     * Sends {@code sends} at their due times (from now) keyed as {@code keying} says, and reads answers until every
     * one of them has one or nothing at all was answered for {@code idle}.
     */
    public Outcome run(List<RepeatsWorkload.Send> sends, Keying keying, Duration idle) throws InterruptedException {
        long start = System.nanoTime();
        RuntimeException[] failed = {null};
        Thread sender = new Thread(
                () -> {
                    try {
                        for (RepeatsWorkload.Send s : sends) {
                            long wait = start + TimeUnit.MILLISECONDS.toNanos(s.atMs()) - System.nanoTime();
                            if (wait > 0) {
                                producer.flush();
                                // pacing a load to its schedule, not waiting for the service
                                TimeUnit.NANOSECONDS.sleep(wait);
                            }
                            send(s, keying);
                        }
                        producer.flush();
                    } catch (InterruptedException stop) {
                        Thread.currentThread().interrupt();
                    } catch (RuntimeException e) {
                        failed[0] = e;
                    }
                },
                "bench-cache-sender");
        sender.setDaemon(true);
        sender.start();
        Map<String, Answer> answers = new LinkedHashMap<>();
        Map<String, Integer> counts = new HashMap<>();
        Set<String> wanted = new HashSet<>();
        sends.forEach(s -> wanted.add(s.id()));
        long lastAnswer = System.nanoTime();
        try {
            while (answers.size() < sends.size()) {
                if (failed[0] != null) {
                    throw new ToolException("the bench's producer failed: " + failed[0]);
                }
                boolean sending = sender.isAlive();
                if (!sending && System.nanoTime() - lastAnswer > idle.toNanos()) {
                    break; // a stalled service: what was answered stands
                }
                for (ConsumerRecord<byte[], byte[]> rec : consumer.poll(Duration.ofMillis(100))) {
                    Classification c = wire.decode(rec.topic(), rec.value(), Classification.class);
                    if (!wanted.contains(c.getId())) {
                        continue; // another run's
                    }
                    long now = System.nanoTime();
                    lastAnswer = now;
                    if (counts.merge(c.getId(), 1, Integer::sum) == 1) {
                        answers.put(c.getId(), answer(c, now));
                    }
                }
                if (sending) {
                    lastAnswer = System.nanoTime(); // quiet counts from the last record sent
                }
            }
        } finally {
            sender.interrupt();
            sender.join(TimeUnit.SECONDS.toMillis(30));
        }
        int twice = (int) counts.values().stream().filter(n -> n > 1).count();
        return new Outcome(start, answers, twice);
    }

    private static Answer answer(Classification c, long receivedNanos) {
        Map<String, Double> p = new LinkedHashMap<>();
        for (LabelProbability lp : c.getScores()) {
            p.put(lp.getLabel(), lp.getProbability());
        }
        return new Answer(
                c.getId(),
                c.getLabel(),
                p,
                c.getAnsweredBy(),
                c.getCreatedAt().toEpochMilli() - c.getRequestCreatedAt().toEpochMilli(),
                receivedNanos);
    }

    private void send(RepeatsWorkload.Send s, Keying keying) {
        PromptRequest r = PromptRequest.newBuilder()
                .setId(s.id())
                .setPrompt(s.text())
                .setTask(task)
                .setCreatedAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                .build();
        byte[] key = (keying == Keying.ID ? s.id() : s.text()).getBytes(StandardCharsets.UTF_8);
        producer.send(new ProducerRecord<>(promptsTopic, key, wire.encode(promptsTopic, r)));
    }

    /** The result topic this reads. */
    public String resultsTopic() {
        return resultsTopic;
    }

    @Override
    public void close() {
        consumer.close();
        producer.close(Duration.ofSeconds(10));
    }
}
