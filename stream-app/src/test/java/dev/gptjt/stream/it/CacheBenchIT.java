package dev.gptjt.stream.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gptjt.cli.Main;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code bench cache} run small against the packaged service on the demo model, as a user runs it: every stream
 * answered, the cache-on answers equal to cache off by id, the cache's counters agreeing with the answers that say
 * CACHE, one instance computing one row per unique text, and keyed by text every repeat of two instances answered
 * without the engine. No figure is checked against a
 * speed.
 */
class CacheBenchIT {
    private static final Path REPO = Path.of(System.getProperty("gptjt.models")).getParent();

    @Test
    void shouldMeasureTheCacheOffAndOnThroughKafkaWithEqualAnswersAndRepeatsKeyedByTextAllFromTheCache()
            throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(
                new String[] {
                    "bench",
                    "cache",
                    "--model",
                    REPO.resolve("models/demo-gptj").toString(),
                    "--tweets",
                    REPO.resolve("docs/bench/tweets.jsonl").toString(),
                    "--count",
                    "80",
                    "--repeats",
                    "0.3",
                    "--repeat-gap",
                    "500ms",
                    "--rate",
                    "40",
                    "--rounds",
                    "1",
                    "--json"
                },
                new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String printed = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, printed + err.toString(StandardCharsets.UTF_8));
        JsonNode r =
                new ObjectMapper().readTree(printed.lines().reduce((a, b) -> b).orElseThrow());
        assertEquals(80, r.get("records").asInt());
        assertEquals(24, r.get("repeats").asInt());
        assertEquals(56, r.get("unique").asInt());
        assertTrue(r.get("answers_equal").asBoolean(), r.toString());
        JsonNode round = r.get("rounds").get(0);
        JsonNode twoInstances = r.get("two_instances");
        List<JsonNode> runs = List.of(
                round.get("off"),
                round.get("on"),
                twoInstances.get("off_by_id"),
                twoInstances.get("on_by_id"),
                twoInstances.get("off_by_text"),
                twoInstances.get("on_by_text"));
        for (JsonNode run : runs) {
            String name = run.get("name").asText();
            assertEquals(80, run.get("answered").asInt(), name + ": every record answered\n" + run);
            assertTrue(run.get("p50_ms").asDouble() <= run.get("p99_ms").asDouble(), run.toString());
            if (run.get("cache").asBoolean()) {
                assertEquals(
                        run.get("hits").asDouble() + run.get("shared").asDouble(),
                        run.get("answered_from_cache").asDouble(),
                        name + ": the counters agree with the answers that say CACHE\n" + run);
                assertTrue(run.get("answered_from_cache").asInt() > 0, run.toString());
            } else {
                assertEquals(0, run.get("answered_from_cache").asInt(), run.toString());
                // more than once for a row in flight when its partition moved (each stream starts on a settled
                // group, which Kafka Streams may still rebalance)
                assertTrue(run.get("engine_rows").asDouble() >= 80, name + ": the engine ran every record\n" + run);
            }
        }
        // one instance looks in every local partition's store: one engine row per unique text
        assertEquals(56, round.get("on").get("engine_rows").asDouble(), round.toString());
        for (String c : List.of("comparison_by_id", "comparison_by_text")) {
            assertTrue(twoInstances.get(c).get("equal").asBoolean(), c + ": " + twoInstances.get(c));
        }
        // keyed by text a repeat is read on its original's partition, after it: from the store, or sharing its row
        JsonNode byText = twoInstances.get("on_by_text");
        assertTrue(byText.get("hit_rate").asDouble() >= 1.0, byText.toString());
    }
}
