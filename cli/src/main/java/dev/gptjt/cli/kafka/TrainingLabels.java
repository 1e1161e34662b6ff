package dev.gptjt.cli.kafka;

import dev.gptjt.schema.AnswerPath;
import dev.gptjt.schema.Classification;
import dev.gptjt.schema.PromptRequest;
import dev.gptjt.schema.ReviewVerdict;
import dev.gptjt.tasks.TaskDefinition;
import dev.gptjt.tasks.cascade.Distiller;
import dev.gptjt.tasks.cascade.TaskCascade;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A classify task's training labels as a service's history gives them: the texts of its prompts, the labels
 * GPT-JT gave them and the verdicts reviewers wrote back, which take precedence over GPT-JT's. Records are
 * offered in the order they were read; anything that is not this task's is ignored.
 */
public final class TrainingLabels {
    private final TaskDefinition task;
    private final Map<String, String> texts = new HashMap<>();
    private final Map<String, String> modelLabels = new HashMap<>();
    private final Map<String, ReviewVerdict> verdicts = new HashMap<>();
    private int verdictsSkipped;
    private int promptsRead;
    private int answersRead;
    private int verdictsRead;

    TrainingLabels(TaskDefinition task) {
        this.task = task;
    }

    void prompt(PromptRequest p) {
        if (task.name().equals(p.getTask())) {
            promptsRead++;
            texts.put(p.getId(), p.getPrompt());
        }
    }

    /** GPT-JT's label, unless the cascade answered (now or, cached, before): it must not learn from itself. */
    void classification(Classification c) {
        if (!task.name().equals(c.getTask())) {
            return;
        }
        answersRead++;
        if (answeredByGptjt(c)) {
            modelLabels.put(c.getId(), c.getLabel());
        }
    }

    /**
     * A verdict on this task (or on none named): of two on one id the later {@code decided_at} wins, and the one
     * read later of two decided at the same millisecond (a tool that corrects itself at once). A label that is
     * not the task's is skipped and counted, never trained on.
     */
    void verdict(ReviewVerdict v) {
        if (v.getTask() != null && !task.name().equals(v.getTask())) {
            return;
        }
        verdictsRead++;
        if (!task.labels().contains(v.getLabel())) {
            verdictsSkipped++;
            return;
        }
        ReviewVerdict earlier = verdicts.get(v.getId());
        if (earlier == null || !v.getDecidedAt().isBefore(earlier.getDecidedAt())) {
            verdicts.put(v.getId(), v);
        }
    }

    private static boolean answeredByGptjt(Classification c) {
        return c.getAnsweredBy() != AnswerPath.CASCADE
                && !TaskCascade.BACKEND.equals(c.getModel().getBackend());
    }

    /** The examples, in a stable order (the held-out split is seeded), and where their labels came from. */
    TrainingSet trainingSet(boolean verdictsTopicFound) {
        List<Distiller.Labeled> examples = new ArrayList<>();
        int fromModel = 0;
        int fromReviewers = 0;
        int overridden = 0;
        int verdictsWithoutPrompt = 0;
        for (String id : verdicts.keySet()) {
            if (!texts.containsKey(id)) {
                verdictsWithoutPrompt++;
            }
        }
        int modelLabelsWithoutPrompt = 0;
        for (String id : modelLabels.keySet()) {
            if (!texts.containsKey(id)) {
                modelLabelsWithoutPrompt++;
            }
        }
        for (var e : texts.entrySet()) {
            String modelLabel = modelLabels.get(e.getKey());
            ReviewVerdict verdict = verdicts.get(e.getKey());
            if (verdict != null) {
                examples.add(new Distiller.Labeled(e.getValue(), verdict.getLabel()));
                fromReviewers++;
                if (modelLabel != null && !modelLabel.equals(verdict.getLabel())) {
                    overridden++;
                }
            } else if (modelLabel != null) {
                examples.add(new Distiller.Labeled(e.getValue(), modelLabel));
                fromModel++;
            }
        }
        examples.sort((a, b) -> a.text().compareTo(b.text()) != 0
                ? a.text().compareTo(b.text())
                : a.label().compareTo(b.label()));
        return new TrainingSet(
                examples,
                new Read(promptsRead, answersRead, verdictsRead),
                fromModel,
                fromReviewers,
                overridden,
                verdictsSkipped,
                verdictsWithoutPrompt,
                modelLabelsWithoutPrompt,
                verdictsTopicFound);
    }

    /**
     * What {@code gptjt distill --from-topic} trains on.
     *
     * @param examples              the texts and their labels
     * @param read                  the task's records read from each topic
     * @param fromModel             examples labelled by GPT-JT (no verdict on them)
     * @param fromReviewers         examples labelled by a reviewer's verdict
     * @param overridden            of those, the ones whose verdict differs from the label GPT-JT gave
     * @param verdictsSkipped       verdicts whose label is not one of the task's
     * @param verdictsWithoutPrompt verdicts on ids whose prompt was not read (no text to train on)
     * @param labelsWithoutPrompt   GPT-JT's labels on ids whose prompt was not read (the prompts topic's
     *     retention dropped it, or it was sent elsewhere)
     * @param verdictsTopicFound    false when the verdicts topic does not exist: GPT-JT's labels only
     */
    public record TrainingSet(
            List<Distiller.Labeled> examples,
            Read read,
            int fromModel,
            int fromReviewers,
            int overridden,
            int verdictsSkipped,
            int verdictsWithoutPrompt,
            int labelsWithoutPrompt,
            boolean verdictsTopicFound) {}

    /**
     * The task's records read, before they are joined.
     *
     * @param prompts  the task's PromptRequest records
     * @param answers  the task's Classification records, the cascade's included
     * @param verdicts the ReviewVerdict records on the task or on none named
     */
    public record Read(int prompts, int answers, int verdicts) {}
}
