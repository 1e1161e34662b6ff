package dev.gptjt.cli.kafka;

import static dev.gptjt.cli.CliRun.gptjt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptjt.cli.CliRun;
import dev.gptjt.cluster.KafkaBroker;
import dev.gptjt.engine.testing.Await;
import dev.gptjt.schema.ReviewVerdict;
import dev.gptjt.schema.wire.WireFormat;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code gptjt verdict} over a real broker: the ReviewVerdict record it writes, read back as Avro. */
class VerdictCommandTest {
    private static final WireFormat WIRE = WireFormat.create(WireFormat.Kind.SINGLE_OBJECT, Map.of());
    private static KafkaBroker broker;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = KafkaBroker.start(tmp.resolve("kafka"));
    }

    @AfterAll
    static void stopBroker() throws InterruptedException {
        broker.close();
    }

    private static CliRun verdict(String topic, String id, String label) {
        return gptjt(
                "",
                "verdict",
                "--task",
                "sentiment",
                "--id",
                id,
                "--label",
                label,
                "--reviewer",
                "alice",
                "--bootstrap",
                broker.bootstrap(),
                "--topic",
                topic);
    }

    /** Every record of {@code topic}, its key and decoded value, once {@code count} have arrived. */
    private static List<ConsumerRecord<byte[], byte[]>> read(String topic, int count) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = KafkaClients.committedReader(broker.bootstrap())) {
            List<TopicPartition> partitions = KafkaClients.assignAll(consumer, topic, "no topic " + topic);
            consumer.seekToBeginning(partitions);
            Await.until(count + " records on " + topic, () -> {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                return records.size() >= count;
            });
        }
        return records;
    }

    @Test
    void shouldWriteOneReviewVerdictKeyedByItsIdCreatingTheTopicTheFirstTime() {
        Instant before = Instant.now();
        CliRun first = verdict("review.verdicts", "tweet-7", "anger");
        assertEquals(0, first.code(), first.err());
        assertTrue(first.out().contains("created topic review.verdicts"), first.out());
        assertTrue(first.out().contains("verdict on tweet-7: anger by alice, written to review.verdicts"), first.out());
        CliRun second = verdict("review.verdicts", "tweet-8", "joy");
        assertEquals(0, second.code(), second.err());
        assertFalse(second.out().contains("created topic"), "it exists now: " + second.out());

        List<ConsumerRecord<byte[], byte[]>> records = read("review.verdicts", 2);
        assertEquals(2, records.size());
        ConsumerRecord<byte[], byte[]> r = records.get(0);
        assertEquals("tweet-7", new String(r.key(), StandardCharsets.UTF_8));
        ReviewVerdict v = (ReviewVerdict) WIRE.decode(r.topic(), r.value());
        assertEquals("tweet-7", v.getId());
        assertEquals("sentiment", v.getTask());
        assertEquals("anger", v.getLabel());
        assertEquals("alice", v.getReviewer());
        assertFalse(v.getDecidedAt().isBefore(before.truncatedTo(ChronoUnit.MILLIS)), v.toString());
        assertFalse(v.getDecidedAt().isAfter(Instant.now()), v.toString());
    }

    @Test
    void shouldRefuseALabelThatIsNotTheTasksNamingLabelInOneLine() {
        CliRun refused = verdict("refused.verdicts", "tweet-9", "spam");
        assertEquals(2, refused.code(), refused.out());
        assertEquals(1, refused.err().strip().lines().count(), refused.err());
        assertTrue(
                refused.err().startsWith("gptjt: --label: 'spam' is not one of task sentiment's labels [sadness,"),
                refused.err());
        assertEquals("", refused.out(), "nothing written");
        try (KafkaConsumer<byte[], byte[]> consumer = KafkaClients.committedReader(broker.bootstrap())) {
            assertTrue(KafkaClients.partitionsOf(consumer, "refused.verdicts").isEmpty(), "no topic made for it");
        }
    }
}
