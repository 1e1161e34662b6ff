package dev.gptjt.tools.bench;

import dev.gptjt.schema.Completion;
import dev.gptjt.schema.GenerationParams;
import dev.gptjt.schema.PromptRequest;
import dev.gptjt.schema.wire.SingleObjectWireFormat;
import dev.gptjt.schema.wire.WireFormat;
import dev.gptjt.tools.ToolException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.WakeupException;

/**
 * Prompts into Kafka and their completions back, for the benches that mix kinds of traffic (lanes, scale-out): one
 * stream of prompts at a fixed rate sent from a thread of its own, backlogs written at once from the caller's, and
 * every completion of this run's prompts recorded as it comes (which prompt, when, its latency). Each kind of prompt
 * has a prefix in its id ({@code RUN-PREFIX-N}), so that one consumer tells realtime, bulk and earlier runs apart.
 */
public final class Traffic implements AutoCloseable {
    /**
     * One completion as it came.
     *
     * @param receivedNanos when this client read it ({@link System#nanoTime})
     * @param latencyMs     its request's {@code created_at} to the completion's {@code created_at} (the service's
     *                      clock and the bench's: one host)
     */
    public record Answer(String prefix, String id, long receivedNanos, double latencyMs) {}

    /** A stream of prompts at a rate: how many were sent and when it began. */
    public static final class Stream {
        final String topic;
        final String prefix;
        final List<String> prompts;
        final int limit;
        final double rate;
        final long startNanos = System.nanoTime();
        private final AtomicInteger sent = new AtomicInteger();

        private Stream(String topic, String prefix, List<String> prompts, int limit, double rate) {
            this.topic = topic;
            this.prefix = prefix;
            this.prompts = prompts;
            this.limit = limit;
            this.rate = rate;
        }

        public int sent() {
            return sent.get();
        }

        public long startNanos() {
            return startNanos;
        }

        /** How many are due by {@code now}: all of them at rate 0, else one at the start and one each 1/rate. */
        int due(long now) {
            return rate <= 0 ? limit : (int) Math.min(limit, (long) ((now - startNanos) / 1e9 * rate) + 1);
        }

        /** Nanoseconds until the next one is due (a long wait once all are sent). */
        long untilNext(long now) {
            int s = sent.get();
            return s >= limit || rate <= 0
                    ? TimeUnit.MILLISECONDS.toNanos(100)
                    : startNanos + (long) (s / rate * 1e9) - now;
        }
    }

    private final String run = Long.toString(System.currentTimeMillis(), 36);
    private final WireFormat wire = new SingleObjectWireFormat();
    private final int newTokens;
    private final KafkaProducer<byte[], byte[]> producer;
    private final KafkaConsumer<byte[], byte[]> consumer; // the loop thread's alone once it has started
    private final Thread loop;
    private final Object lock = new Object();
    private final List<Answer> answers = new ArrayList<>(); // guarded by lock
    private final Map<String, Integer> answersById = new HashMap<>(); // guarded by lock
    private final Map<String, Integer> distinctByPrefix = new HashMap<>(); // guarded by lock
    private long lastAnswerNanos; // guarded by lock
    private volatile Stream stream;
    private volatile boolean closed;
    private volatile RuntimeException failure;

    /**
     * Reads {@code completionsTopic} from its end (what comes after now) and starts the sending thread.
     *
     * @param newTokens tokens each prompt asks for
     */
    public Traffic(String bootstrap, String completionsTopic, int newTokens) {
        this.newTokens = newTokens;
        this.producer = BenchClients.producer(bootstrap);
        this.consumer = BenchClients.readerFromEnd(bootstrap, completionsTopic);
        this.lastAnswerNanos = System.nanoTime();
        this.loop = new Thread(this::loop, "bench-traffic");
        loop.setDaemon(true);
        loop.start();
    }

    /**
     * Sends {@code limit} prompts (their texts {@code prompts} round and round) to {@code topic} at {@code rate}
     * per second (0: all at once) from the traffic thread, in place of any stream before; returns at once.
     */
    public Stream stream(String topic, String prefix, List<String> prompts, int limit, double rate) {
        Stream s = new Stream(topic, prefix, prompts, limit, rate);
        stream = s;
        return s;
    }

    /** Stops the stream: no more prompts are sent. */
    public void stopStream() {
        stream = null;
    }

    /** Writes {@code count} prompts to {@code topic} now, as fast as the producer takes them, and flushes. */
    public void backlog(String topic, String prefix, List<String> prompts, int count) {
        for (int i = 0; i < count; i++) {
            send(topic, prefix, i, prompts.get(i % prompts.size()));
        }
        producer.flush();
    }

    /** Distinct prompts of {@code prefix} answered so far. */
    public int answered(String prefix) {
        synchronized (lock) {
            return distinctByPrefix.getOrDefault(prefix, 0);
        }
    }

    /** The answers of {@code prefix} so far, in the order they came (a prompt answered twice is there twice). */
    public List<Answer> answers(String prefix) {
        synchronized (lock) {
            return answers.stream().filter(a -> a.prefix().equals(prefix)).toList();
        }
    }

    /** How many answers each prompt of {@code prefix} answered so far had, by its index. */
    public Map<Integer, Integer> answerCounts(String prefix) {
        Map<Integer, Integer> counts = new HashMap<>();
        String head = run + "-" + prefix + "-";
        synchronized (lock) {
            answersById.forEach((id, n) -> {
                if (id.startsWith(head)) {
                    counts.put(Integer.parseInt(id.substring(head.length())), n);
                }
            });
        }
        return counts;
    }

    /**
     * Waits until {@code count} prompts of {@code prefix} are answered, or the service has answered nothing at all
     * (of any prefix) for {@code idle}: a stalled service, or one that does not read where the prompts went.
     *
     * @return the distinct prompts of {@code prefix} answered then
     */
    public int awaitAnswered(String prefix, int count, Duration idle) throws InterruptedException {
        synchronized (lock) {
            long since = System.nanoTime(); // quiet from the later of this call and the last answer
            while (distinctByPrefix.getOrDefault(prefix, 0) < count) {
                if (failure != null) {
                    throw failure;
                }
                long quietSince = Math.max(since, lastAnswerNanos);
                long left = quietSince + idle.toNanos() - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                lock.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
            return distinctByPrefix.getOrDefault(prefix, 0);
        }
    }

    private void send(String topic, String prefix, int index, String prompt) {
        String id = run + "-" + prefix + "-" + index;
        PromptRequest r = PromptRequest.newBuilder()
                .setId(id)
                .setPrompt(prompt)
                .setParams(
                        GenerationParams.newBuilder().setMaxNewTokens(newTokens).build())
                .setCreatedAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                .build();
        producer.send(new ProducerRecord<>(topic, id.getBytes(StandardCharsets.UTF_8), wire.encode(topic, r)));
    }

    private void loop() {
        try {
            while (!closed) {
                Stream s = stream;
                long wait = TimeUnit.MILLISECONDS.toNanos(100);
                if (s != null) {
                    long now = System.nanoTime();
                    int due = s.due(now);
                    if (s.sent() < due) {
                        for (int i = s.sent(); i < due; i++) {
                            send(s.topic, s.prefix, i, s.prompts.get(i % s.prompts.size()));
                            s.sent.set(i + 1);
                        }
                        producer.flush();
                    }
                    // wait for completions until the next prompt is due, not in a short spin: this client shares
                    // the machine with what it measures
                    wait = Math.min(wait, s.untilNext(System.nanoTime()));
                }
                record(consumer.poll(Duration.ofNanos(Math.max(TimeUnit.MILLISECONDS.toNanos(1), wait))));
            }
        } catch (WakeupException closing) {
            // close() woke the poll
        } catch (RuntimeException e) {
            failure = e;
            synchronized (lock) {
                lock.notifyAll();
            }
        }
    }

    private void record(Iterable<ConsumerRecord<byte[], byte[]>> records) {
        String head = run + "-";
        long now = System.nanoTime();
        synchronized (lock) {
            boolean any = false;
            for (ConsumerRecord<byte[], byte[]> rec : records) {
                Completion c = wire.decode(rec.topic(), rec.value(), Completion.class);
                String id = c.getId();
                if (!id.startsWith(head)) {
                    continue; // another run's, or another client's
                }
                String prefix = id.substring(head.length(), id.lastIndexOf('-'));
                double latency = c.getCreatedAt().toEpochMilli()
                        - c.getRequestCreatedAt().toEpochMilli();
                answers.add(new Answer(prefix, id, now, latency));
                if (answersById.merge(id, 1, Integer::sum) == 1) {
                    distinctByPrefix.merge(prefix, 1, Integer::sum);
                }
                lastAnswerNanos = now;
                any = true;
            }
            if (any) {
                lock.notifyAll();
            }
        }
    }

    /** Throws what stopped the traffic thread, if something did. */
    public void check() {
        if (failure != null) {
            throw new ToolException("the bench's Kafka client failed: " + failure);
        }
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        consumer.wakeup();
        loop.join(TimeUnit.SECONDS.toMillis(30));
        consumer.close();
        producer.close(Duration.ofSeconds(10));
    }
}
