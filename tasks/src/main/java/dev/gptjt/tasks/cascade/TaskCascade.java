package dev.gptjt.tasks.cascade;

import dev.gptjt.engine.ClassificationResult;
import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.ErrorCode;
import dev.gptjt.tasks.TaskDefinition;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A classify task's cascade in service: its distilled model, checked against the task, and the rule for
 * when it answers. Thread-safe.
 */
public final class TaskCascade implements AutoCloseable {
    /** The backend name of results the cascade answered ({@code model.backend}). */
    public static final String BACKEND = "cascade";

    private final TaskDefinition task;
    private final CascadeSettings settings;
    private final CascadeModel model;
    /** For each of the model's labels, its index among the task's. */
    private final int[] taskIndex;

    private TaskCascade(TaskDefinition task, CascadeSettings settings, CascadeModel model, int[] taskIndex) {
        this.task = task;
        this.settings = settings;
        this.model = model;
        this.taskIndex = taskIndex;
    }

    /**
     * Loads {@code settings.model()} for {@code task}.
     *
     * @throws EngineException {@link ErrorCode#MODEL_INVALID} when the directory does not load, the task
     *     does not classify, or the model was distilled for other labels than the task's
     */
    public static TaskCascade open(TaskDefinition task, CascadeSettings settings) {
        if (task.mode() != TaskDefinition.Mode.CLASSIFY) {
            throw new EngineException(
                    ErrorCode.MODEL_INVALID, "a cascade answers classify tasks; task " + task.name() + " is not one");
        }
        CascadeModel model = CascadeModel.open(settings.model());
        List<String> labels = model.labels();
        if (!new HashSet<>(labels).equals(new HashSet<>(task.labels()))) {
            model.close();
            throw new EngineException(
                    ErrorCode.MODEL_INVALID,
                    "cascade " + settings.model() + " was distilled for labels " + labels + " (task "
                            + model.card().task() + "); task " + task.name() + " has " + task.labels());
        }
        int[] index = labels.stream().mapToInt(task.labels()::indexOf).toArray();
        return new TaskCascade(task, settings, model, index);
    }

    public CascadeModel model() {
        return model;
    }

    public CascadeSettings settings() {
        return settings;
    }

    /**
     * The cascade's classification of a record's text (the request's input, not the whole prompt) when its
     * top probability reaches {@code min-probability}; empty when the record is for GPT-JT. Scores are in
     * the task's label order; log-probabilities are the cascade's own (no label tokens: {@code tokens} 0).
     */
    public Optional<ClassificationResult> answer(String id, String text) {
        long start = System.nanoTime();
        CascadeModel.Scores s = model.score(text);
        if (s.top() < settings.minProbability()) {
            return Optional.empty();
        }
        double[] p = new double[task.labels().size()];
        for (int i = 0; i < taskIndex.length; i++) {
            p[taskIndex[i]] = s.probabilities()[i];
        }
        List<ClassificationResult.LabelScore> scores = new ArrayList<>(p.length);
        for (int i = 0; i < p.length; i++) {
            double logP = Math.log(p[i]);
            scores.add(new ClassificationResult.LabelScore(task.labels().get(i), logP, 0, logP, p[i]));
        }
        int best = taskIndex[s.best()];
        return Optional.of(new ClassificationResult(
                id,
                task.labels().get(best),
                best,
                List.copyOf(scores),
                0,
                0,
                System.nanoTime() - start,
                1,
                BACKEND,
                0));
    }

    /** Whether this cascade-answered record is also sent to GPT-JT, at random with {@code audit-fraction}. */
    public boolean audit() {
        return settings.auditFraction() > 0 && ThreadLocalRandom.current().nextDouble() < settings.auditFraction();
    }

    @Override
    public void close() {
        model.close();
    }
}
