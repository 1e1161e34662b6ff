package dev.gptjt.tools.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptjt.cluster.KafkaBroker;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lanes bench's phases over a real broker, against a stand-in service that answers at once ({@link EchoService}):
 * what each phase counts, with a service that reads the bulk topic and with one that does not. No figure is checked
 * against a speed.
 */
class LanesBenchTest {
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

    private static LanesBench.Settings settings(String name, Duration idle) {
        return new LanesBench.Settings(
                40, 0.5, 120, name + ".prompts", name + ".bulk", name + ".completions", 4, Duration.ZERO, idle);
    }

    private static LanesBench.Settings settings(String name) {
        return settings(name, Duration.ofSeconds(60));
    }

    private static LanesBench.Result run(LanesBench.Settings s, boolean readsBulk) throws Exception {
        return run(s, readsBulk, readsBulk);
    }

    private static LanesBench.Result run(LanesBench.Settings s, boolean readsBulk, boolean tookBulkTopic)
            throws Exception {
        for (String topic : List.of(s.promptsTopic(), s.bulkTopic(), s.completionsTopic())) {
            BenchCluster.ensureTopic(broker.bootstrap(), topic);
        }
        List<String> reads = readsBulk ? List.of(s.promptsTopic(), s.bulkTopic()) : List.of(s.promptsTopic());
        try (EchoService service = new EchoService(broker.bootstrap(), reads, s.completionsTopic())) {
            return LanesBench.run(broker.bootstrap(), List.of("a prompt", "another"), s, tookBulkTopic, null);
        }
    }

    @Test
    void shouldCountEachPhasesRealtimeAndBulkWhenTheServiceReadsTheBulkTopic() throws Exception {
        LanesBench.Settings s = settings("reads-bulk");
        LanesBench.Result r = run(s, true);
        assertTrue(r.capacity() > 0 && r.realtimeRate() == r.capacity() * 0.5, r.toString());
        for (LanesBench.Phase p : List.of(r.alone(), r.lanes(), r.oneLane())) {
            assertEquals(40, p.realtime().count(), p.name() + ": every realtime prompt once");
            assertTrue(p.realtime().p50Ms() <= p.realtime().p99Ms(), p.toString());
            assertTrue(p.seconds() > 0, p.toString());
        }
        assertEquals(0, r.alone().bulkWritten());
        assertTrue(Double.isNaN(r.alone().bulkShare()), "no backlog, no share");
        for (LanesBench.Phase p : List.of(r.lanes(), r.oneLane())) {
            assertEquals(120, p.bulkWritten());
            assertEquals(120, p.bulkAnswered(), p.name() + ": the whole backlog answered before the next phase");
            assertTrue(p.bulkInWindow() <= 120, p.toString());
            assertEquals(p.bulkInWindow() / p.seconds(), p.bulkPerS(), 1e-9);
            assertEquals(LaneShare.bulkShare(p.bulkPerS(), r.capacity(), r.realtimeRate()), p.bulkShare(), 1e-12);
        }
        assertTrue(r.bulkAnswered());
        assertTrue(r.json().get("bulk_answered").asBoolean());
    }

    @Test
    void shouldFinishAndSayTheLanesWereNotMeasuredWhenNothingReadsTheBulkTopic() throws Exception {
        LanesBench.Settings s = settings("no-bulk");
        LanesBench.Result r = run(s, false);
        assertEquals(0, r.lanes().bulkAnswered(), "nothing reads the bulk topic");
        assertEquals(0, r.lanes().bulkInWindow());
        assertEquals(40, r.lanes().realtime().count(), "realtime still measured");
        assertEquals(120, r.oneLane().bulkAnswered(), "the backlog on the prompts topic is answered");
        assertFalse(r.bulkAnswered());
        assertFalse(r.json().get("p99_met").asBoolean(), "not measured is not met");
        var text = new ByteArrayOutputStream();
        LanesBench.print(new PrintStream(text, true, StandardCharsets.UTF_8), r, s);
        assertTrue(text.toString(StandardCharsets.UTF_8).contains("lanes not measured"), text::toString);
    }

    @Test
    void shouldWaitOutTheIdleTimeThenGoOnWhenAServiceThatTookTheBulkTopicAnswersNoneOfIt() throws Exception {
        LanesBench.Settings s = settings("took-bulk", Duration.ofSeconds(3));
        LanesBench.Result r = run(s, false, true);
        assertEquals(0, r.lanes().bulkAnswered(), "waited for, never answered");
        assertEquals(40, r.oneLane().realtime().count(), "phase (c) still ran");
        assertEquals(120, r.oneLane().bulkAnswered());
        assertFalse(r.bulkAnswered());
    }
}
