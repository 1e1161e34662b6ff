package dev.gptjt.tools.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gptjt.schema.AnswerPath;
import dev.gptjt.tasks.DefaultTopics;
import dev.gptjt.tools.ToolException;
import dev.gptjt.tools.task.TaskRunner;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.common.ConsumerGroupState;

/**
 * The result cache measured through Kafka ({@code bench cache}): a stream of tweets with a share of exact repeats
 * seconds apart ({@link RepeatsWorkload}) classified by {@value #TASK}, (1) on one instance with the cache off and on
 * in turn, round after round, each run against a broker and service of its own (fresh application id and state), and
 * (2) on two instances of one consumer group over {@value BenchCluster#PARTITIONS} partitions, records keyed by id
 * and by text, the cache off and on. Per run: records/s from the first send to the last answer, end-to-end
 * p50/p99, the rows the engines computed ({@code gptjt_requests_finished_total}'s difference over the stream) and
 * the cache's hits and shared rows; every cache-on answer is compared with its round's cache-off answer by id.
 */
public final class CacheBench {
    /** The task the bench classifies with (configured in the service's own settings). */
    public static final String TASK = "tweet-hate";

    /** The service's switch for the result cache. */
    public static final String CACHE_ENABLED = "gptjt.cache.enabled";

    /** The most a cache-on answer's probability may differ from the cache-off one's (batch shapes differ). */
    public static final double MAX_PROBABILITY_DIFFERENCE = 1e-4;

    /** The target for records/s with the cache on over off. */
    public static final double TARGET_RATIO = 1.3;

    /** Unmeasured records of texts outside the workload, answered before each stream: the JIT's and batch shapes'. */
    static final int WARM_UP = 64;

    /** Disagreements listed per comparison (all are counted). */
    static final int DISAGREEMENTS_LISTED = 10;

    static final String CACHE_REQUESTS = "gptjt_cache_requests_total";

    /**
     * What a run does.
     *
     * @param rounds        cache-off/cache-on pairs on one instance
     * @param twoInstances  whether to run part (2) too
     * @param idle          how long the service may answer nothing before a stream gives up waiting
     */
    public record Settings(
            RepeatsWorkload.Settings workload, int rounds, boolean twoInstances, String promptsTopic, Duration idle) {}

    /**
     * One stream's figures.
     *
     * @param seconds          first send to last answer
     * @param engineRows       rows the instances' engines finished during the stream
     * @param hits             cache lookups answered from a store
     * @param shared           lookups that joined an identical request's row in flight
     * @param fromCache        answers that say {@code answered_by} CACHE
     * @param answers          each id's first answer (compared, not printed)
     */
    public record Run(
            String name,
            boolean cache,
            int instances,
            TaskTraffic.Keying keying,
            int sent,
            int repeats,
            int answered,
            int answeredTwice,
            double seconds,
            Latencies latency,
            double engineRows,
            double hits,
            double shared,
            int fromCache,
            Map<String, TaskTraffic.Answer> answers) {
        public double recordsPerS() {
            return answered / seconds;
        }

        /** (hits + shared) / repeats: the share of repeats the engine did not compute again. */
        public double hitRate() {
            return repeats == 0 ? Double.NaN : (hits + shared) / repeats;
        }

        public ObjectNode json() {
            return TaskRunner.JSON
                    .createObjectNode()
                    .put("name", name)
                    .put("cache", cache)
                    .put("instances", instances)
                    .put("keyed_by", keying.name().toLowerCase(Locale.ROOT))
                    .put("sent", sent)
                    .put("answered", answered)
                    .put("answered_twice", answeredTwice)
                    .put("seconds", seconds)
                    .put("records_per_s", recordsPerS())
                    .put("p50_ms", latency.p50Ms())
                    .put("p99_ms", latency.p99Ms())
                    .put("engine_rows", engineRows)
                    .put("hits", hits)
                    .put("shared", shared)
                    .put("answered_from_cache", fromCache)
                    .put("hit_rate", hitRate());
        }
    }

    /**
     * A cache-on run's answers against a cache-off run's, by id.
     *
     * @param missing       ids answered in one run and not the other
     * @param labelsDiffer  ids whose labels differ
     * @param maxDp         the largest |Δp| over every id's every label
     * @param disagreements the first few: a label differing or a probability beyond {@link #MAX_PROBABILITY_DIFFERENCE}
     */
    public record Comparison(int compared, int missing, int labelsDiffer, double maxDp, List<String> disagreements) {
        public boolean equal() {
            return missing == 0 && labelsDiffer == 0 && maxDp <= MAX_PROBABILITY_DIFFERENCE;
        }

        public static Comparison of(Run off, Run on) {
            int compared = 0;
            int missing = 0;
            int differ = 0;
            double maxDp = 0;
            List<String> listed = new ArrayList<>();
            for (var e : off.answers().entrySet()) {
                TaskTraffic.Answer a = e.getValue();
                TaskTraffic.Answer b = on.answers().get(e.getKey());
                if (b == null) {
                    missing++;
                    continue;
                }
                compared++;
                double dp = 0;
                for (var p : a.probabilities().entrySet()) {
                    Double q = b.probabilities().get(p.getKey());
                    dp = Math.max(dp, q == null ? Double.POSITIVE_INFINITY : Math.abs(p.getValue() - q));
                }
                maxDp = Math.max(maxDp, dp);
                boolean labelDiffers = !a.label().equals(b.label());
                differ += labelDiffers ? 1 : 0;
                if ((labelDiffers || dp > MAX_PROBABILITY_DIFFERENCE) && listed.size() < DISAGREEMENTS_LISTED) {
                    listed.add(String.format(
                            Locale.ROOT,
                            "%s: off %s, on %s (%s), |dp| %.2e",
                            a.id(),
                            a.label(),
                            b.label(),
                            b.answeredBy(),
                            dp));
                }
            }
            missing += (int) on.answers().keySet().stream()
                    .filter(id -> !off.answers().containsKey(id))
                    .count();
            return new Comparison(compared, missing, differ, maxDp, List.copyOf(listed));
        }

        public ObjectNode json() {
            ObjectNode o = TaskRunner.JSON
                    .createObjectNode()
                    .put("compared", compared)
                    .put("missing", missing)
                    .put("labels_differ", labelsDiffer)
                    .put("max_abs_dp", maxDp)
                    .put("equal", equal());
            disagreements.forEach(o.putArray("disagreements")::add);
            return o;
        }
    }

    /** One instance, cache off then on, over the same records. */
    public record Round(int index, Run off, Run on, Comparison comparison) {
        public double ratio() {
            return on.recordsPerS() / off.recordsPerS();
        }
    }

    /** Two instances: keyed by id and by text, cache off and on each. */
    public record Spread(Run offById, Run onById, Comparison byId, Run offByText, Run onByText, Comparison byText) {}

    /** A run's figures; {@code spread} null when part (2) was not run. */
    public record Result(RepeatsWorkload workload, List<Round> rounds, Spread spread) {
        public double medianRatio() {
            return median(rounds.stream().mapToDouble(Round::ratio).toArray());
        }

        public boolean answersEqual() {
            return rounds.stream().allMatch(r -> r.comparison().equal());
        }

        /** The most rows a cache-on run of one instance computed. */
        public double maxEngineRowsOn() {
            return rounds.stream().mapToDouble(r -> r.on().engineRows()).max().orElse(Double.NaN);
        }

        public ObjectNode json() {
            ObjectNode o = TaskRunner.JSON
                    .createObjectNode()
                    .put("task", TASK)
                    .put("records", workload.sends().size())
                    .put("unique", workload.unique())
                    .put("repeats", workload.repeats())
                    .put("median_ratio", medianRatio())
                    .put("ratio_met", medianRatio() >= TARGET_RATIO)
                    .put("answers_equal", answersEqual())
                    .put("max_engine_rows_on", maxEngineRowsOn())
                    .put("engine_rows_met", maxEngineRowsOn() <= workload.unique());
            ArrayNode rs = o.putArray("rounds");
            for (Round r : rounds) {
                ObjectNode n = rs.addObject().put("round", r.index()).put("ratio", r.ratio());
                n.set("off", r.off().json());
                n.set("on", r.on().json());
                n.set("comparison", r.comparison().json());
            }
            if (spread != null) {
                ObjectNode s = o.putObject("two_instances");
                s.set("off_by_id", spread.offById().json());
                s.set("on_by_id", spread.onById().json());
                s.set("comparison_by_id", spread.byId().json());
                s.set("off_by_text", spread.offByText().json());
                s.set("on_by_text", spread.onByText().json());
                s.set("comparison_by_text", spread.byText().json());
            }
            return o;
        }
    }

    private CacheBench() {}

    /**
     * Runs the rounds and, if asked, the two-instance runs, each against a broker and services started for it.
     *
     * @param serviceSettings the instances' settings beside the cluster's (batching...)
     * @param tweets          the texts the workload is made of
     * @param progress        where each run is told as it starts (null: nowhere)
     */
    public static Result run(
            Path model, Map<String, String> serviceSettings, List<String> tweets, Settings s, PrintStream progress)
            throws Exception {
        RepeatsWorkload workload = RepeatsWorkload.of(tweets, s.workload());
        List<String> warmUp = new ArrayList<>();
        for (int i = 0; i < WARM_UP; i++) {
            warmUp.add("warm-up " + i + ": " + tweets.get(i % tweets.size()));
        }
        List<Round> rounds = new ArrayList<>();
        for (int r = 1; r <= s.rounds(); r++) {
            Run off = stream(
                    model, serviceSettings, workload, warmUp, s, "off-" + r, false, 1, TaskTraffic.Keying.ID, progress);
            Run on = stream(
                    model, serviceSettings, workload, warmUp, s, "on-" + r, true, 1, TaskTraffic.Keying.ID, progress);
            rounds.add(new Round(r, off, on, Comparison.of(off, on)));
        }
        Spread spread = null;
        if (s.twoInstances()) {
            Run offId = stream(
                    model, serviceSettings, workload, warmUp, s, "2-off-id", false, 2, TaskTraffic.Keying.ID, progress);
            Run onId = stream(
                    model, serviceSettings, workload, warmUp, s, "2-on-id", true, 2, TaskTraffic.Keying.ID, progress);
            Run offText = stream(
                    model,
                    serviceSettings,
                    workload,
                    warmUp,
                    s,
                    "2-off-text",
                    false,
                    2,
                    TaskTraffic.Keying.TEXT,
                    progress);
            Run onText = stream(
                    model,
                    serviceSettings,
                    workload,
                    warmUp,
                    s,
                    "2-on-text",
                    true,
                    2,
                    TaskTraffic.Keying.TEXT,
                    progress);
            spread = new Spread(
                    offId, onId, Comparison.of(offId, onId), offText, onText, Comparison.of(offText, onText));
        }
        return new Result(workload, List.copyOf(rounds), spread);
    }

    /** One stream against a broker and {@code instances} services of its own. */
    private static Run stream(
            Path model,
            Map<String, String> serviceSettings,
            RepeatsWorkload workload,
            List<String> warmUpTexts,
            Settings s,
            String name,
            boolean cache,
            int instances,
            TaskTraffic.Keying keying,
            PrintStream progress)
            throws Exception {
        tell(
                progress,
                name + ": " + instances + " instance" + (instances > 1 ? "s" : "") + ", cache " + (cache ? "on" : "off")
                        + ", keyed by " + keying.name().toLowerCase(Locale.ROOT) + "…");
        Map<String, String> settings = new HashMap<>(serviceSettings);
        settings.put(CACHE_ENABLED, Boolean.toString(cache));
        String results = DefaultTopics.results(TASK);
        String applicationId = "gptjt-bench-cache-" + name;
        try (BenchCluster cluster = BenchCluster.start(applicationId, model, settings)) {
            for (int i = 0; i < instances; i++) {
                cluster.startInstance(Map.of(), Duration.ofMinutes(3));
            }
            PipelineBench.awaitService(cluster.bootstrap(), s.promptsTopic(), results);
            // a rebalance during the stream would compute rows again: the stream starts on a settled group
            awaitSettledGroup(cluster.bootstrap(), applicationId, instances, Duration.ofMinutes(2));
            try (TaskTraffic traffic = new TaskTraffic(cluster.bootstrap(), s.promptsTopic(), results, TASK)) {
                List<RepeatsWorkload.Send> warm = new ArrayList<>();
                for (int i = 0; i < warmUpTexts.size(); i++) {
                    warm.add(new RepeatsWorkload.Send(
                            String.format(Locale.ROOT, "w-%03d", i), warmUpTexts.get(i), 0, -1));
                }
                TaskTraffic.Outcome w = traffic.run(warm, TaskTraffic.Keying.ID, s.idle());
                if (w.answers().size() < warm.size()) {
                    throw new ToolException(name + ": only " + w.answers().size() + " of " + warm.size()
                            + " warm-up records were answered: the service answered nothing for "
                            + s.idle().toSeconds() + " s");
                }
                Counters before = Counters.scrape(cluster);
                TaskTraffic.Outcome o = traffic.run(workload.sends(), keying, s.idle());
                Counters after = Counters.scrape(cluster);
                List<Double> latencies = new ArrayList<>();
                int fromCache = 0;
                for (TaskTraffic.Answer a : o.answers().values()) {
                    latencies.add(a.latencyMs());
                    fromCache += a.answeredBy() == AnswerPath.CACHE ? 1 : 0;
                }
                return new Run(
                        name,
                        cache,
                        instances,
                        keying,
                        workload.sends().size(),
                        workload.repeats(),
                        o.answers().size(),
                        o.answeredTwice(),
                        (o.lastAnswerNanos() - o.firstSendNanos()) / 1e9,
                        Latencies.of(latencies),
                        after.rows() - before.rows(),
                        after.hits() - before.hits(),
                        after.shared() - before.shared(),
                        fromCache,
                        o.answers());
            }
        }
    }

    /**
     * Waits until the consumer group {@code applicationId} is stable with {@code instances} members, each assigned
     * partitions (a second instance is ready before its cooperative rebalance's second round has moved any to it).
     */
    static void awaitSettledGroup(String bootstrap, String applicationId, int instances, Duration timeout)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "not described";
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            while (System.nanoTime() < deadline) {
                ConsumerGroupDescription g = admin.describeConsumerGroups(List.of(applicationId))
                        .all()
                        .get(30, TimeUnit.SECONDS)
                        .get(applicationId);
                long assigned = g.members().stream()
                        .filter(m -> !m.assignment().topicPartitions().isEmpty())
                        .count();
                if (g.state() == ConsumerGroupState.STABLE
                        && g.members().size() == instances
                        && assigned == instances) {
                    return;
                }
                last = g.state() + ", " + g.members().size() + " members, " + assigned + " with partitions";
                Thread.sleep(250); // a rebalance in progress: nothing to wait on but the group's description
            }
        }
        throw new ToolException("the group " + applicationId + " did not settle with " + instances + " instances"
                + " within " + timeout.toSeconds() + " s (" + last + ")");
    }

    /** The instances' engine rows and cache lookups, summed, from {@code /q/metrics}. */
    record Counters(double rows, double hits, double shared) {
        static Counters scrape(BenchCluster cluster) throws InterruptedException {
            double rows = 0;
            double hits = 0;
            double shared = 0;
            for (BenchCluster.Instance i : cluster.running()) {
                String text;
                try {
                    text = BenchCluster.metrics(i);
                } catch (IOException e) {
                    throw new ToolException(i.name() + "'s /q/metrics did not answer: " + e);
                }
                rows += PrometheusText.first(text, ScaleOutBench.FINISHED_METRICS)
                        .map(Map.Entry::getValue)
                        .orElseThrow(() -> new ToolException(
                                i.name() + " has no finished-rows counter (" + ScaleOutBench.FINISHED_METRICS + ")"));
                hits += withLabel(text, CACHE_REQUESTS, "outcome", "hit");
                shared += withLabel(text, CACHE_REQUESTS, "outcome", "shared");
            }
            return new Counters(rows, hits, shared);
        }
    }

    /** The sum of {@code name}'s samples whose {@code label} is {@code value}; 0 when there are none. */
    static double withLabel(String text, String name, String label, String value) {
        double sum = 0;
        String wanted = label + "=\"" + value + "\"";
        for (String line : text.split("\n")) {
            if (line.startsWith(name + "{") && line.contains(wanted)) {
                String[] rest = line.substring(line.lastIndexOf('}') + 1).trim().split("\\s+");
                sum += Double.parseDouble(rest[0]);
            }
        }
        return sum;
    }

    static double median(double[] values) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static void tell(PrintStream progress, String line) {
        if (progress != null) {
            progress.println(line);
        }
    }

    /** The run as {@code bench cache} prints it: the runs' table, the rounds' ratios and the targets. */
    public static void print(PrintStream out, Result r, Settings s) {
        RepeatsWorkload w = r.workload();
        out.printf(
                Locale.ROOT,
                "bench cache: %s, %d records: %d unique texts, %d exact repeats (%.0f%%) each %d ms after its"
                        + " original or previous repeat; offered %.1f records/s (sending takes %.1f s); seed %d%n",
                TASK,
                w.sends().size(),
                w.unique(),
                w.repeats(),
                100.0 * w.repeats() / w.sends().size(),
                s.workload().gap().toMillis(),
                s.workload().rate(),
                w.spanMs() / 1e3,
                s.workload().seed());
        out.println("| run | instances | keyed by | cache | answered | records/s | p50 | p99 | engine rows | hits |"
                + " shared | answered from cache | hit rate |");
        out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        List<Run> runs = new ArrayList<>();
        r.rounds().forEach(x -> runs.addAll(List.of(x.off(), x.on())));
        if (r.spread() != null) {
            Spread p = r.spread();
            runs.addAll(List.of(p.offById(), p.onById(), p.offByText(), p.onByText()));
        }
        for (Run x : runs) {
            out.printf(
                    Locale.ROOT,
                    "| %s | %d | %s | %s | %d of %d | %.1f | %.0f ms | %.0f ms | %.0f | %.0f | %.0f | %d | %s |%n",
                    x.name(),
                    x.instances(),
                    x.keying().name().toLowerCase(Locale.ROOT),
                    x.cache() ? "on" : "off",
                    x.answered(),
                    x.sent(),
                    x.recordsPerS(),
                    x.latency().p50Ms(),
                    x.latency().p99Ms(),
                    x.engineRows(),
                    x.hits(),
                    x.shared(),
                    x.fromCache(),
                    x.cache() ? String.format(Locale.ROOT, "%.0f%%", 100 * x.hitRate()) : "—");
        }
        StringBuilder ratios = new StringBuilder();
        for (Round x : r.rounds()) {
            ratios.append(ratios.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.2f", x.ratio()));
        }
        out.printf(
                Locale.ROOT,
                "one instance: records/s on/off per round %s, median %.2f (target ≥ %.1f: %s)%n",
                ratios,
                r.medianRatio(),
                TARGET_RATIO,
                r.medianRatio() >= TARGET_RATIO ? "met" : "not met");
        for (Round x : r.rounds()) {
            printComparison(out, "round " + x.index(), x.comparison());
        }
        out.printf(
                Locale.ROOT,
                "answers equal to cache off (labels, every probability within %.0e): %s; engine rows with the cache"
                        + " on at most %.0f against %d unique texts (target ≤: %s)%n",
                MAX_PROBABILITY_DIFFERENCE,
                r.answersEqual() ? "met" : "not met",
                r.maxEngineRowsOn(),
                w.unique(),
                r.maxEngineRowsOn() <= w.unique() ? "met" : "not met");
        double offered = s.workload().rate();
        boolean unsaturated = r.rounds().stream().anyMatch(x -> x.off().recordsPerS() >= 0.9 * offered);
        if (unsaturated) {
            out.printf(
                    Locale.ROOT,
                    "the cache-off service kept up with the offered %.1f records/s: records/s measured the schedule,"
                            + " not the service (raise --rate above its capacity)%n",
                    offered);
        }
        if (r.spread() != null) {
            Spread p = r.spread();
            printComparison(out, "two instances keyed by id", p.byId());
            printComparison(out, "two instances keyed by text", p.byText());
            out.printf(
                    Locale.ROOT,
                    "two instances, %d partitions: hit rate (hits + shared) / repeats keyed by id %.0f%%, by text"
                            + " %.0f%%; p99 on/off keyed by id %.0f/%.0f ms, by text %.0f/%.0f ms%n",
                    BenchCluster.PARTITIONS,
                    100 * p.onById().hitRate(),
                    100 * p.onByText().hitRate(),
                    p.onById().latency().p99Ms(),
                    p.offById().latency().p99Ms(),
                    p.onByText().latency().p99Ms(),
                    p.offByText().latency().p99Ms());
        }
    }

    private static void printComparison(PrintStream out, String what, Comparison c) {
        out.printf(
                Locale.ROOT,
                "%s: %d answers compared by id, %d missing, %d labels differ, max |dp| %.2e%s%n",
                what,
                c.compared(),
                c.missing(),
                c.labelsDiffer(),
                c.maxDp(),
                c.disagreements().isEmpty() ? "" : "; " + String.join("; ", c.disagreements()));
    }
}
