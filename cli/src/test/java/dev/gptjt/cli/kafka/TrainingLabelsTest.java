package dev.gptjt.cli.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptjt.schema.AnswerPath;
import dev.gptjt.schema.Classification;
import dev.gptjt.schema.ModelInfo;
import dev.gptjt.schema.PromptRequest;
import dev.gptjt.schema.ReviewVerdict;
import dev.gptjt.tasks.TaskDefinition;
import dev.gptjt.tasks.TaskProperties;
import dev.gptjt.tasks.cascade.Distiller;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which label each id of a service's history trains on: GPT-JT's, or a reviewer's verdict over it. */
class TrainingLabelsTest {
    private static final TaskDefinition SENTIMENT =
            TaskProperties.load(Path.of(System.getProperty("gptjt.config"))).get("sentiment");

    static PromptRequest prompt(String id, String task, String text) {
        return PromptRequest.newBuilder()
                .setId(id)
                .setTask(task)
                .setPrompt(text)
                .setCreatedAt(Instant.EPOCH)
                .build();
    }

    static Classification classification(String id, String label, AnswerPath path, String backend) {
        return Classification.newBuilder()
                .setId(id)
                .setTask("sentiment")
                .setLabel(label)
                .setScores(List.of())
                .setPromptTokens(1)
                .setModel(ModelInfo.newBuilder()
                        .setName("demo-gptj")
                        .setSha256("0".repeat(64))
                        .setBackend(backend)
                        .build())
                .setRequestCreatedAt(Instant.EPOCH)
                .setCreatedAt(Instant.EPOCH)
                .setQueuedMs(0)
                .setInferenceMs(0)
                .setBatchSize(1)
                .setAnsweredBy(path)
                .build();
    }

    static ReviewVerdict verdict(String id, String task, String label, long decidedAtMs) {
        return ReviewVerdict.newBuilder()
                .setId(id)
                .setTask(task)
                .setLabel(label)
                .setReviewer("alice")
                .setDecidedAt(Instant.ofEpochMilli(decidedAtMs))
                .build();
    }

    private static TrainingLabels labels(String... idTextPairs) {
        TrainingLabels labels = new TrainingLabels(SENTIMENT);
        for (int i = 0; i < idTextPairs.length; i += 2) {
            labels.prompt(prompt(idTextPairs[i], "sentiment", idTextPairs[i + 1]));
        }
        return labels;
    }

    @Test
    void shouldTakeTheReviewersLabelOverGptjtsAndCountTheOverride() {
        TrainingLabels labels = labels("1", "a", "2", "b", "3", "c");
        labels.classification(classification("1", "joy", AnswerPath.MODEL, "ort-java-loop"));
        labels.classification(classification("2", "joy", AnswerPath.MODEL, "ort-java-loop"));
        labels.classification(classification("3", "fear", AnswerPath.MODEL, "ort-java-loop"));
        labels.verdict(verdict("1", "sentiment", "anger", 10));
        labels.verdict(verdict("2", null, "joy", 10)); // agrees: from a reviewer, no override
        TrainingLabels.TrainingSet set = labels.trainingSet(true);
        assertEquals(
                List.of(
                        new Distiller.Labeled("a", "anger"),
                        new Distiller.Labeled("b", "joy"),
                        new Distiller.Labeled("c", "fear")),
                set.examples());
        assertEquals(1, set.fromModel());
        assertEquals(2, set.fromReviewers());
        assertEquals(1, set.overridden());
    }

    @Test
    void shouldKeepTheLaterDecidedVerdictWhateverTheOrderTheyWereRead() {
        TrainingLabels labels = labels("1", "a", "2", "b");
        labels.verdict(verdict("1", "sentiment", "joy", 20));
        labels.verdict(verdict("1", "sentiment", "anger", 10));
        labels.verdict(verdict("2", "sentiment", "anger", 10));
        labels.verdict(verdict("2", "sentiment", "love", 10)); // the same millisecond: the one read later
        assertEquals(
                List.of(new Distiller.Labeled("a", "joy"), new Distiller.Labeled("b", "love")),
                labels.trainingSet(true).examples());
    }

    @Test
    void shouldSkipAndCountAVerdictWhoseLabelIsNotTheTasksAndIgnoreOtherTasksVerdicts() {
        TrainingLabels labels = labels("1", "a");
        labels.classification(classification("1", "joy", AnswerPath.MODEL, "ort-java-loop"));
        labels.verdict(verdict("1", "sentiment", "hate speech", 30));
        labels.verdict(verdict("1", "tweet-hate", "anger", 40));
        TrainingLabels.TrainingSet set = labels.trainingSet(true);
        assertEquals(List.of(new Distiller.Labeled("a", "joy")), set.examples());
        assertEquals(1, set.verdictsSkipped());
        assertEquals(0, set.fromReviewers());
    }

    @Test
    void shouldTrainOnAVerdictForATextGptjtNeverLabelledAndCountOnesWithoutAPrompt() {
        TrainingLabels labels = labels("1", "a");
        labels.verdict(verdict("1", "sentiment", "fear", 1));
        labels.verdict(verdict("unread", "sentiment", "fear", 1));
        TrainingLabels.TrainingSet set = labels.trainingSet(true);
        assertEquals(List.of(new Distiller.Labeled("a", "fear")), set.examples());
        assertEquals(1, set.fromReviewers());
        assertEquals(0, set.overridden(), "nothing of GPT-JT's to override");
        assertEquals(1, set.verdictsWithoutPrompt());
        assertEquals(new TrainingLabels.Read(1, 0, 2), set.read());
    }

    @Test
    void shouldLeaveOutTheCascadesAnswersNowOrCachedAndKeepGptjtsCachedOnes() {
        TrainingLabels labels = labels("1", "a", "2", "b", "3", "c", "4", "d");
        labels.classification(classification("1", "joy", AnswerPath.CASCADE, "cascade"));
        labels.classification(classification("2", "joy", AnswerPath.CASCADE, "ort-java-loop"));
        labels.classification(classification("3", "joy", AnswerPath.CACHE, "cascade"));
        labels.classification(classification("4", "fear", AnswerPath.CACHE, "ort-java-loop"));
        labels.prompt(prompt("5", "entities", "e"));
        labels.classification(classification("5", "joy", AnswerPath.MODEL, "ort-java-loop"));
        TrainingLabels.TrainingSet set = labels.trainingSet(false);
        assertEquals(List.of(new Distiller.Labeled("d", "fear")), set.examples());
        assertEquals(1, set.fromModel());
        assertTrue(!set.verdictsTopicFound());
        assertEquals(new TrainingLabels.Read(4, 5, 0), set.read(), "the entities prompt is not the task's");
        assertEquals(1, set.labelsWithoutPrompt(), "5's only prompt is another task's: no text to train on");
    }
}
