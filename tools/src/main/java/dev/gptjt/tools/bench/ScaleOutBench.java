package dev.gptjt.tools.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gptjt.tools.ToolException;
import dev.gptjt.tools.task.TaskRunner;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Steady load through Kafka while service instances of one consumer group join and leave ({@code 1 → 2 → 3 → 2 →
 * 1}): per step, the answers lost (prompts sent in it without an answer at the end), prompts answered twice, prompts
 * the engines computed twice (the instances' finished counters, scraped before each stops, against the prompts
 * answered) beside the prompts in flight when the step's rebalance began, and the longest gap between answers.
 */
public final class ScaleOutBench {
    /**
     * The engines' finished-prompt counters, best first: issue 36's {@code gptjt_requests_finished_total}, else the
     * per-prompt inference timer's count (recorded once for each prompt the engine finished, as the other is).
     */
    public static final List<String> FINISHED_METRICS =
            List.of("gptjt_requests_finished_total", "gptjt_batch_inference_seconds_count");

    /**
     * @param rate  prompts per second, throughout
     * @param step  how long each step holds once its instances have joined or left
     * @param idle  how long the service may answer nothing before the run gives up waiting for the last answers
     */
    public record Settings(
            ScalePlan plan,
            double rate,
            Duration step,
            String promptsTopic,
            String completionsTopic,
            int newTokens,
            Duration idle) {}

    /**
     * One step's figures.
     *
     * @param inFlight       prompts sent and not yet answered when its instances began to join or leave, or once
     *                       they had (the larger)
     * @param computed       prompts the engines finished during the step (all instances' counters, difference)
     * @param answered       prompts first answered during the step
     * @param computedTwice  {@code computed − answered}: work done again (or done and not yet answered)
     * @param longestGapMs   the longest time without an answer within the step (its rebalance included)
     * @param slowestMs      the longest end-to-end latency of a prompt sent in the step (its first answer): the
     *                       prompts of partitions that wait for their new owner, which answers of other partitions
     *                       hide from the gap
     */
    public record StepFigures(
            ScalePlan.Step step,
            double seconds,
            int sent,
            int lost,
            int answeredTwice,
            int inFlight,
            double computed,
            int answered,
            double computedTwice,
            double longestGapMs,
            double slowestMs) {
        public ObjectNode json() {
            return TaskRunner.JSON
                    .createObjectNode()
                    .put("step", step.index())
                    .put("from", step.from())
                    .put("to", step.to())
                    .put("seconds", seconds)
                    .put("sent", sent)
                    .put("lost", lost)
                    .put("answered_twice", answeredTwice)
                    .put("in_flight_at_rebalance", inFlight)
                    .put("computed", computed)
                    .put("answered", answered)
                    .put("computed_twice", computedTwice)
                    .put("longest_gap_ms", longestGapMs)
                    .put("slowest_ms", slowestMs);
        }
    }

    /**
     * The run's figures.
     *
     * @param finishedMetric       the counter the instances had ({@link #FINISHED_METRICS}), or null when none had one
     * @param outstandingAtStop    prompts sent and not answered when the load stopped (after the last step)
     * @param lastAnswerAfterStopS seconds from then to the last answer (0 when none was outstanding)
     */
    public record Result(
            List<StepFigures> steps,
            String finishedMetric,
            int sent,
            int answered,
            double computed,
            int outstandingAtStop,
            double lastAnswerAfterStopS) {
        public int lost() {
            return sent - answered;
        }

        public double computedTwice() {
            return computed - answered;
        }

        public int inFlight() {
            return steps.stream().mapToInt(StepFigures::inFlight).sum();
        }

        public ObjectNode json() {
            ObjectNode o = TaskRunner.JSON
                    .createObjectNode()
                    .put("finished_metric", finishedMetric)
                    .put("sent", sent)
                    .put("answered", answered)
                    .put("lost", lost())
                    .put("computed", computed)
                    .put("computed_twice", computedTwice())
                    .put("in_flight_at_rebalances", inFlight())
                    .put("outstanding_at_stop", outstandingAtStop)
                    .put("last_answer_after_stop_s", lastAnswerAfterStopS);
            var s = o.putArray("steps");
            steps.forEach(f -> s.add(f.json()));
            return o;
        }
    }

    private ScaleOutBench() {}

    /** Where one step's accounting ends: what had been sent, answered and computed then. */
    private record Mark(long nanos, int sent, int answered, double computed) {}

    /**
     * Runs the plan against a broker and instances started here.
     *
     * @param serviceSettings the instances' settings beside the cluster's (batching...)
     * @param progress        where each step is told as it starts (null: nowhere)
     */
    public static Result run(
            Path model, Map<String, String> serviceSettings, List<String> prompts, Settings s, PrintStream progress)
            throws Exception {
        try (BenchCluster cluster = BenchCluster.start("gptjt-bench-scale-out", model, serviceSettings)) {
            Map<String, Double> finished = new LinkedHashMap<>(); // each instance's last scrape, stopped ones too
            String[] metric = {null};
            Traffic traffic = null;
            Traffic.Stream stream = null;
            List<StepFigures> steps = new ArrayList<>();
            List<long[]> windows = new ArrayList<>();
            List<Integer> inFlight = new ArrayList<>();
            List<Mark> marks = new ArrayList<>();
            try {
                for (ScalePlan.Step step : s.plan().steps()) {
                    tell(progress, "step " + step.index() + ": " + step.label() + "…");
                    long start = System.nanoTime();
                    int before = inFlightNow(traffic, stream);
                    for (int j = 0; j < step.joining(); j++) {
                        cluster.startInstance(Map.of(), Duration.ofMinutes(3));
                    }
                    for (int j = 0; j < step.leaving(); j++) {
                        List<BenchCluster.Instance> running = cluster.running();
                        BenchCluster.Instance youngest = running.get(running.size() - 1);
                        scrape(youngest, finished, metric); // before it stops: its count dies with it
                        cluster.stop(youngest, Duration.ofSeconds(90));
                    }
                    if (traffic == null) {
                        PipelineBench.awaitService(cluster.bootstrap(), s.promptsTopic(), s.completionsTopic());
                        traffic = new Traffic(cluster.bootstrap(), s.completionsTopic(), s.newTokens());
                        stream = traffic.stream(s.promptsTopic(), "steady", prompts, Integer.MAX_VALUE, s.rate());
                        start = stream.startNanos();
                        marks.add(new Mark(start, 0, 0, sum(finished)));
                    }
                    inFlight.add(Math.max(before, inFlightNow(traffic, stream)));
                    Thread.sleep(s.step().toMillis()); // the step's steady part: a timed run, not a wait for an event
                    traffic.check();
                    for (BenchCluster.Instance i : cluster.running()) {
                        scrape(i, finished, metric);
                    }
                    long end = System.nanoTime();
                    windows.add(new long[] {start, end});
                    marks.add(new Mark(end, stream.sent(), traffic.answered("steady"), sum(finished)));
                }
                traffic.stopStream();
                long stopped = System.nanoTime();
                int sent = stream.sent();
                int outstanding = sent - traffic.answered("steady");
                tell(progress, "waiting for the last answers (" + (sent - outstanding) + " of " + sent + ")…");
                int answered = traffic.awaitAnswered("steady", sent, s.idle());
                for (BenchCluster.Instance i : cluster.running()) {
                    scrape(i, finished, metric);
                }
                // the last step's accounting runs to the end of the wait: its prompts' answers and computations
                marks.set(marks.size() - 1, new Mark(System.nanoTime(), sent, answered, sum(finished)));
                Map<Integer, Integer> counts = traffic.answerCounts("steady");
                Map<Integer, Double> latency = new HashMap<>(); // each prompt's first answer
                for (Traffic.Answer a : traffic.answers("steady")) {
                    latency.putIfAbsent(Integer.parseInt(a.id().substring(a.id().lastIndexOf('-') + 1)), a.latencyMs());
                }
                long[] received = traffic.answers("steady").stream()
                        .mapToLong(Traffic.Answer::receivedNanos)
                        .toArray();
                for (int k = 0; k < s.plan().steps().size(); k++) {
                    Mark from = marks.get(k);
                    Mark to = marks.get(k + 1);
                    int lost = 0;
                    int twice = 0;
                    double slowest = 0;
                    for (int i = from.sent(); i < to.sent(); i++) {
                        slowest = Math.max(slowest, latency.getOrDefault(i, 0.0));
                        int n = counts.getOrDefault(i, 0);
                        lost += n == 0 ? 1 : 0;
                        twice += n > 1 ? 1 : 0;
                    }
                    long[] w = windows.get(k);
                    double computed = to.computed() - from.computed();
                    int newlyAnswered = to.answered() - from.answered();
                    steps.add(new StepFigures(
                            s.plan().steps().get(k),
                            (w[1] - w[0]) / 1e9,
                            to.sent() - from.sent(),
                            lost,
                            twice,
                            inFlight.get(k),
                            computed,
                            newlyAnswered,
                            computed - newlyAnswered,
                            AnswerGaps.longestNanos(w[0], w[1], received) / 1e6,
                            slowest));
                }
                long lastAnswer = Arrays.stream(received).max().orElse(stopped);
                return new Result(
                        steps,
                        metric[0],
                        sent,
                        answered,
                        sum(finished),
                        outstanding,
                        outstanding == 0 ? 0 : Math.max(0, lastAnswer - stopped) / 1e9);
            } finally {
                if (traffic != null) {
                    traffic.close();
                }
            }
        }
    }

    private static int inFlightNow(Traffic traffic, Traffic.Stream stream) {
        return traffic == null ? 0 : stream.sent() - traffic.answered("steady");
    }

    private static double sum(Map<String, Double> finished) {
        return finished.values().stream().mapToDouble(Double::doubleValue).sum();
    }

    private static void scrape(BenchCluster.Instance i, Map<String, Double> finished, String[] metric)
            throws InterruptedException {
        String text;
        try {
            text = BenchCluster.metrics(i);
        } catch (java.io.IOException e) {
            throw new ToolException(i.name() + "'s /q/metrics did not answer: " + e);
        }
        PrometheusText.first(text, FINISHED_METRICS).ifPresent(e -> {
            metric[0] = e.getKey();
            finished.put(i.name(), e.getValue());
        });
    }

    private static void tell(PrintStream progress, String line) {
        if (progress != null) {
            progress.println(line);
        }
    }

    /** The run as {@code bench scale-out} prints it: a row per step, then the totals. */
    public static void print(PrintStream out, Result r, Settings s) {
        out.printf(
                Locale.ROOT,
                "scale-out: %.2f prompts/s, each step held %d s once its instances had joined or left; prompts"
                        + " computed counted from %s%n",
                s.rate(),
                s.step().toSeconds(),
                r.finishedMetric() == null ? "(no instance had a finished counter)" : r.finishedMetric());
        out.println("| step | instances | s | sent | lost | answered twice | in flight at the rebalance | computed"
                + " | answered | computed twice | longest answer gap | slowest prompt |");
        out.println("|---|---|---|---|---|---|---|---|---|---|---|---|");
        for (StepFigures f : r.steps()) {
            out.printf(
                    Locale.ROOT,
                    "| %d | %s | %.0f | %d | %d | %d | %d | %.0f | %d | %.0f | %.0f ms | %.0f ms |%n",
                    f.step().index(),
                    f.step().label(),
                    f.seconds(),
                    f.sent(),
                    f.lost(),
                    f.answeredTwice(),
                    f.inFlight(),
                    f.computed(),
                    f.answered(),
                    f.computedTwice(),
                    f.longestGapMs(),
                    f.slowestMs());
        }
        out.printf(
                Locale.ROOT,
                "total: %d sent, %d answered, %d lost (target 0: %s); computed twice %.0f against %d in flight at the"
                        + " rebalances (target ≤: %s)%n",
                r.sent(),
                r.answered(),
                r.lost(),
                r.lost() == 0 ? "met" : "not met",
                r.computedTwice(),
                r.inFlight(),
                r.finishedMetric() == null ? "not measured" : r.computedTwice() <= r.inFlight() ? "met" : "not met");
        out.printf(
                Locale.ROOT,
                "when the load stopped %d prompts were unanswered; the last answer came %.1f s later%n",
                r.outstandingAtStop(),
                r.lastAnswerAfterStopS());
    }
}
