package dev.gptjt.tools.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gptjt.tools.ToolException;
import dev.gptjt.tools.task.TaskRunner;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Realtime beside a bulk backlog, through Kafka, in one run against one service: the capacity (prompts at max
 * rate), then realtime prompts at a share of it (a) alone, (b) with a bulk backlog written to the bulk topic just
 * before they start (the lanes: bulk should fill what realtime leaves), and (c) with the same backlog written to the
 * ordinary prompts topic (one lane: realtime queues behind it). Each phase waits for its backlog to be answered
 * before the next begins (until the service has answered nothing for the idle time), but for a service that refused
 * the bulk topic and answered none of it.
 */
public final class LanesBench {
    /**
     * What a run does.
     *
     * @param count       realtime prompts per phase (and prompts of the capacity run)
     * @param load        realtime rate as a share of the capacity, in (0, 1)
     * @param backlog     bulk records written before phases (b) and (c)
     * @param warmUp      unmeasured realtime at the run's rate before phase (a)
     * @param idle        how long the service may answer nothing before a phase gives up waiting
     */
    public record Settings(
            int count,
            double load,
            int backlog,
            String promptsTopic,
            String bulkTopic,
            String completionsTopic,
            int newTokens,
            Duration warmUp,
            Duration idle) {}

    /**
     * One phase's figures.
     *
     * @param realtime      end-to-end latencies of its realtime prompts
     * @param seconds       its window: the backlog's first record (or the first realtime prompt) to the last
     *                      realtime answer
     * @param bulkInWindow  backlog records answered within the window
     * @param bulkPerS      those per second of the window
     * @param bulkShare     {@link LaneShare#bulkShare} of that
     * @param bulkAnswered  backlog records answered by the phase's end (after waiting for the rest)
     */
    public record Phase(
            String name,
            String what,
            Latencies realtime,
            double seconds,
            int bulkWritten,
            int bulkInWindow,
            double bulkPerS,
            double bulkShare,
            int bulkAnswered) {
        public ObjectNode json() {
            return TaskRunner.JSON
                    .createObjectNode()
                    .put("phase", name)
                    .put("what", what)
                    .put("realtime_count", realtime.count())
                    .put("realtime_p50_ms", realtime.p50Ms())
                    .put("realtime_p99_ms", realtime.p99Ms())
                    .put("seconds", seconds)
                    .put("bulk_written", bulkWritten)
                    .put("bulk_answered_in_window", bulkInWindow)
                    .put("bulk_per_s", bulkPerS)
                    .put("bulk_share", bulkShare)
                    .put("bulk_answered", bulkAnswered);
        }
    }

    /**
     * A run's figures.
     *
     * @param bulkTopicKnown whether the service took {@code gptjt.topics.bulk-prompts} (a service that does not know
     *                       it refuses to start with it, and is started without it)
     */
    public record Result(
            double capacity, double realtimeRate, boolean bulkTopicKnown, Phase alone, Phase lanes, Phase oneLane) {
        public double p99Ratio() {
            return LaneShare.p99Ratio(lanes.realtime().p99Ms(), alone.realtime().p99Ms());
        }

        /** Whether the service answered any of phase (b)'s backlog: without that, the lanes were not measured. */
        public boolean bulkAnswered() {
            return lanes.bulkAnswered() > 0;
        }

        public ObjectNode json() {
            ObjectNode o = TaskRunner.JSON
                    .createObjectNode()
                    .put("capacity_req_per_s", capacity)
                    .put("realtime_req_per_s", realtimeRate)
                    .put("bulk_topic_known", bulkTopicKnown)
                    .put("bulk_answered", bulkAnswered())
                    .put("p99_ratio", p99Ratio())
                    .put("p99_met", bulkAnswered() && LaneShare.p99Met(p99Ratio()))
                    .put("share_met", LaneShare.shareMet(lanes.bulkShare()));
            var phases = o.putArray("phases");
            for (Phase p : List.of(alone, lanes, oneLane)) {
                phases.add(p.json());
            }
            return o;
        }
    }

    private LanesBench() {}

    /** The setting that names the service's bulk topic (issue 36; a service before it refuses to start with it). */
    public static final String BULK_TOPIC_SETTING = "gptjt.topics.bulk-prompts";

    /** The bulk topic's default name in the service. */
    public static final String DEFAULT_BULK_TOPIC = "gptjt.bulk-prompts";

    /** A broker and one service started here for the run, and whether the service took the bulk topic. */
    public record Embedded(BenchCluster cluster, boolean bulkTopicKnown) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            cluster.close();
        }
    }

    /**
     * Starts a broker and one service with {@code serviceSettings} and {@value #BULK_TOPIC_SETTING}{@code =bulkTopic};
     * a service that refuses that setting (one from before the bulk topic) is started again without it.
     */
    public static Embedded embedded(Path model, Map<String, String> serviceSettings, String bulkTopic)
            throws Exception {
        BenchCluster cluster = BenchCluster.start("gptjt-bench-lanes", model, serviceSettings);
        try {
            boolean known = cluster.startInstanceIfKnown(
                    Map.of(BULK_TOPIC_SETTING, bulkTopic), BULK_TOPIC_SETTING, Duration.ofMinutes(3));
            return new Embedded(cluster, known);
        } catch (Exception e) {
            cluster.close();
            throw e;
        }
    }

    /**
     * Runs the capacity and the three phases against the service at {@code bootstrap}.
     *
     * @param prompts        prompt texts, used round and round
     * @param bulkTopicKnown whether the service was started with the bulk topic: if so phase (b) waits for its backlog
     *                       even when none of it was answered alongside realtime
     * @param progress       where each step is told as it starts (null: nowhere)
     */
    public static Result run(
            String bootstrap, List<String> prompts, Settings s, boolean bulkTopicKnown, PrintStream progress)
            throws Exception {
        PipelineBench.awaitService(bootstrap, s.promptsTopic(), s.completionsTopic());
        BenchCluster.ensureTopic(bootstrap, s.bulkTopic());
        try (Traffic traffic = new Traffic(bootstrap, s.completionsTopic(), s.newTokens())) {
            tell(progress, "warm-up: " + Math.min(32, s.count()) + " prompts at max rate…");
            realtime(traffic, s, "warm", prompts, Math.min(32, s.count()), 0);
            tell(progress, "capacity: " + s.count() + " prompts at max rate…");
            Traffic.Stream cap = realtime(traffic, s, "capacity", prompts, s.count(), 0);
            double capacity = s.count() / seconds(cap.startNanos(), last(traffic, "capacity"));
            double rate = LaneShare.realtimeRate(capacity, s.load());
            int warm = (int) Math.ceil(rate * s.warmUp().toMillis() / 1e3);
            tell(
                    progress,
                    String.format(
                            Locale.ROOT,
                            "capacity %.2f req/s; realtime at %.0f%% of it: %.2f req/s; warm-up %d prompts at that rate…",
                            capacity,
                            s.load() * 100,
                            rate,
                            warm));
            if (warm > 0) {
                realtime(traffic, s, "warm-rate", prompts, warm, rate);
            }
            Phase a = phase(traffic, s, prompts, capacity, rate, "a", "realtime alone", null, false, progress);
            // a service that took the bulk topic is waited for even if it answered none of the backlog alongside
            // realtime (a strict priority would): its backlog must not run into phase (c)
            Phase b = phase(
                    traffic,
                    s,
                    prompts,
                    capacity,
                    rate,
                    "b",
                    "backlog on " + s.bulkTopic(),
                    s.bulkTopic(),
                    bulkTopicKnown,
                    progress);
            Phase c = phase(
                    traffic,
                    s,
                    prompts,
                    capacity,
                    rate,
                    "c",
                    "backlog on " + s.promptsTopic() + " (one lane)",
                    s.promptsTopic(),
                    true,
                    progress);
            return new Result(capacity, rate, bulkTopicKnown, a, b, c);
        }
    }

    private static Phase phase(
            Traffic traffic,
            Settings s,
            List<String> prompts,
            double capacity,
            double rate,
            String name,
            String what,
            String backlogTopic,
            boolean backlogRead,
            PrintStream progress)
            throws Exception {
        String bulk = "bulk-" + name;
        String rt = "rt-" + name;
        int written = backlogTopic == null ? 0 : s.backlog();
        tell(
                progress,
                "(" + name + ") " + what + ": " + s.count() + " realtime prompts"
                        + (written > 0 ? " after " + written + " bulk records" : "") + "…");
        long start = System.nanoTime();
        if (written > 0) {
            traffic.backlog(backlogTopic, bulk, prompts, written);
        }
        realtime(traffic, s, rt, prompts, s.count(), rate);
        long end = last(traffic, rt);
        double seconds = seconds(start, end);
        List<Double> latencies = new ArrayList<>();
        traffic.answers(rt).forEach(x -> latencies.add(x.latencyMs()));
        int inWindow = (int) traffic.answers(bulk).stream()
                .filter(x -> x.receivedNanos() <= end)
                .map(Traffic.Answer::id)
                .distinct()
                .count();
        int answered = traffic.answered(bulk);
        if (written > 0 && answered < written && (backlogRead || answered > 0)) {
            tell(progress, "(" + name + ") waiting for the rest of the backlog (" + answered + " of " + written + ")…");
            answered = traffic.awaitAnswered(bulk, written, s.idle());
        }
        double bulkPerS = inWindow / seconds;
        return new Phase(
                name,
                what,
                Latencies.of(latencies),
                seconds,
                written,
                inWindow,
                bulkPerS,
                written > 0 ? LaneShare.bulkShare(bulkPerS, capacity, rate) : Double.NaN,
                answered);
    }

    /** Sends {@code count} prompts at {@code rate} and waits for all their answers; the stream. */
    private static Traffic.Stream realtime(
            Traffic traffic, Settings s, String prefix, List<String> prompts, int count, double rate)
            throws InterruptedException {
        Traffic.Stream stream = traffic.stream(s.promptsTopic(), prefix, prompts, count, rate);
        int answered = traffic.awaitAnswered(prefix, count, s.idle());
        traffic.stopStream();
        if (answered < count) {
            traffic.check();
            throw new ToolException("only " + answered + " of " + count + " '" + prefix + "' prompts were answered: the"
                    + " service answered nothing for " + s.idle().toSeconds() + " s");
        }
        return stream;
    }

    private static long last(Traffic traffic, String prefix) {
        return traffic.answers(prefix).stream()
                .mapToLong(Traffic.Answer::receivedNanos)
                .max()
                .orElseThrow();
    }

    private static double seconds(long from, long to) {
        return (to - from) / 1e9;
    }

    private static void tell(PrintStream progress, String line) {
        if (progress != null) {
            progress.println(line);
        }
    }

    /** The run as {@code bench lanes} prints it: a line per phase, then the targets. */
    public static void print(PrintStream out, Result r, Settings s) {
        out.printf(
                Locale.ROOT,
                "capacity %.2f req/s; realtime %.2f req/s (%.0f%%), %d prompts per phase; bulk backlog %d records%n",
                r.capacity(),
                r.realtimeRate(),
                s.load() * 100,
                s.count(),
                s.backlog());
        if (!r.bulkTopicKnown()) {
            out.println("the service refused gptjt.topics.bulk-prompts (it has no bulk topic yet) and runs without"
                    + " it: phase (b)'s backlog stays unread");
        }
        out.println("| phase | realtime p50 | realtime p99 | bulk answered/s | bulk share of what realtime leaves |"
                + " bulk answered |");
        out.println("|---|---|---|---|---|---|");
        for (Phase p : List.of(r.alone(), r.lanes(), r.oneLane())) {
            out.printf(
                    Locale.ROOT,
                    "| (%s) %s | %.0f ms | %.0f ms | %s | %s | %s |%n",
                    p.name(),
                    p.what(),
                    p.realtime().p50Ms(),
                    p.realtime().p99Ms(),
                    p.bulkWritten() == 0 ? "—" : String.format(Locale.ROOT, "%.2f", p.bulkPerS()),
                    p.bulkWritten() == 0 ? "—" : String.format(Locale.ROOT, "%.0f%%", p.bulkShare() * 100),
                    p.bulkWritten() == 0 ? "—" : p.bulkAnswered() + " of " + p.bulkWritten());
        }
        if (!r.bulkAnswered()) {
            out.println("lanes not measured: the service answered none of the backlog on " + s.bulkTopic()
                    + " (it does not consume that topic yet); (a) and (c) stand as measured");
            return;
        }
        out.printf(
                Locale.ROOT,
                "p99 (b) / p99 (a) = %.2f (target ≤ %.1f: %s); bulk share (b) %.0f%% (target ≥ %.0f%%: %s);"
                        + " one lane (c): p99 %.2f × (a), bulk share %.0f%%%n",
                r.p99Ratio(),
                LaneShare.MAX_P99_RATIO,
                LaneShare.p99Met(r.p99Ratio()) ? "met" : "not met",
                r.lanes().bulkShare() * 100,
                LaneShare.MIN_BULK_SHARE * 100,
                LaneShare.shareMet(r.lanes().bulkShare()) ? "met" : "not met",
                LaneShare.p99Ratio(
                        r.oneLane().realtime().p99Ms(), r.alone().realtime().p99Ms()),
                r.oneLane().bulkShare() * 100);
    }
}
