package dev.gptjt.tools.task;

import dev.gptjt.engine.EngineConfig;
import dev.gptjt.engine.InferenceEngine;
import dev.gptjt.tasks.TaskDefinition;
import dev.gptjt.tasks.cascade.CascadeCard;
import dev.gptjt.tasks.cascade.CascadeModel;
import dev.gptjt.tools.ToolException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;

/**
 * {@code gptjt eval --cascade DIR2}: per threshold, how much of the file the cascade answers, how often
 * it answers as GPT-JT does, the accuracy of cascade + GPT-JT against GPT-JT alone, and their
 * classifications/s, all in one run after an untimed warm-up of both: GPT-JT alone, then cascade + GPT-JT at each threshold (each
 * record scored by the cascade one at a time, as the service does, the rest sent to GPT-JT), then GPT-JT
 * alone again (its rate is the mean of both).
 */
public final class CascadeEval {
    /** One threshold's figures. */
    public record Row(double threshold, double coverage, double agreement, double accuracy, double perSecond) {}

    private CascadeEval() {}

    public static List<Row> run(
            PrintStream out, EngineConfig config, TaskDefinition task, CascadeModel cascade, List<String[]> examples) {
        if (!new HashSet<>(cascade.labels()).equals(new HashSet<>(task.labels()))) {
            throw new ToolException("--cascade: " + cascade.name() + " was distilled for labels " + cascade.labels()
                    + ", task " + task.name() + " has " + task.labels());
        }
        List<String> texts = examples.stream().map(e -> e[0]).toList();
        List<Row> rows = new ArrayList<>();
        try (InferenceEngine engine = InferenceEngine.open(config)) {
            engine.cachePrefix(task.prefix());
            TaskRunner gptjt = new TaskRunner(engine, task);
            // warm-up, untimed: the engine's first batches of each shape, the cascade's JIT
            gptjt.labels(texts);
            texts.forEach(cascade::score);
            long start = System.nanoTime();
            List<String> alone = gptjt.labels(texts);
            double aloneSeconds = (System.nanoTime() - start) / 1e9;
            for (double t : CascadeCard.THRESHOLDS) {
                start = System.nanoTime();
                String[] answer = new String[texts.size()];
                boolean[] covered = new boolean[texts.size()];
                List<Integer> rest = new ArrayList<>();
                for (int i = 0; i < texts.size(); i++) {
                    CascadeModel.Scores s = cascade.score(texts.get(i));
                    if (s.top() >= t) {
                        covered[i] = true;
                        answer[i] = cascade.labels().get(s.best());
                    } else {
                        rest.add(i);
                    }
                }
                List<String> restLabels =
                        gptjt.labels(rest.stream().map(texts::get).toList());
                for (int k = 0; k < rest.size(); k++) {
                    answer[rest.get(k)] = restLabels.get(k);
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                int coveredCount = 0;
                int agreed = 0;
                int correct = 0;
                for (int i = 0; i < texts.size(); i++) {
                    if (covered[i]) {
                        coveredCount++;
                        agreed += answer[i].equals(alone.get(i)) ? 1 : 0;
                    }
                    correct += answer[i].equals(examples.get(i)[1]) ? 1 : 0;
                }
                rows.add(new Row(
                        t,
                        (double) coveredCount / texts.size(),
                        coveredCount == 0 ? 1 : (double) agreed / coveredCount,
                        (double) correct / texts.size(),
                        texts.size() / seconds));
            }
            start = System.nanoTime();
            gptjt.labels(texts);
            aloneSeconds = (aloneSeconds + (System.nanoTime() - start) / 1e9) / 2;
            int correct = 0;
            for (int i = 0; i < texts.size(); i++) {
                correct += alone.get(i).equals(examples.get(i)[1]) ? 1 : 0;
            }
            double aloneRate = texts.size() / aloneSeconds;
            out.printf(
                    Locale.ROOT,
                    "cascade %s: GPT-JT alone %.1f classifications/s, accuracy %.4f%n",
                    cascade.name(),
                    aloneRate,
                    (double) correct / texts.size());
            out.printf(
                    "%10s %10s %10s %10s %14s %8s%n",
                    "threshold", "coverage", "agreement", "accuracy", "records/s", "speed");
            for (Row r : rows) {
                out.printf(
                        Locale.ROOT,
                        "%10.2f %9.1f%% %9.1f%% %10.4f %14.1f %7.2fx%n",
                        r.threshold(),
                        100 * r.coverage(),
                        100 * r.agreement(),
                        r.accuracy(),
                        r.perSecond(),
                        r.perSecond() / aloneRate);
            }
            out.println("coverage: share the cascade answered; agreement: of those, same label as GPT-JT alone;"
                    + " accuracy: cascade + GPT-JT against the file's labels; speed: over GPT-JT alone");
        }
        return rows;
    }
}
