package dev.gptjt.cli.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gptjt.schema.Classification;
import dev.gptjt.schema.Completion;
import dev.gptjt.schema.Decision;
import dev.gptjt.schema.FinishReason;
import dev.gptjt.schema.LabelProbability;
import dev.gptjt.schema.ModelInfo;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The demo's decision column: the action of the record's policy, or "-" for a record no policy decided. */
class DemoAnswerTest {
    private static final Instant SENT = Instant.parse("2026-12-07T00:00:00Z");
    private static final ModelInfo MODEL =
            ModelInfo.newBuilder().setName("m").setSha256("s").setBackend("b").build();

    private static Classification.Builder classification() {
        return Classification.newBuilder()
                .setId("c")
                .setTask("tweet-hate")
                .setLabel("hate speech")
                .setScores(List.of(
                        LabelProbability.newBuilder()
                                .setLabel("hate speech")
                                .setProbability(0.83)
                                .setLogProb(-0.2)
                                .setTokens(2)
                                .build(),
                        LabelProbability.newBuilder()
                                .setLabel("not hate speech")
                                .setProbability(0.17)
                                .setLogProb(-1.8)
                                .setTokens(3)
                                .build()))
                .setPromptTokens(10)
                .setModel(MODEL)
                .setRequestCreatedAt(SENT)
                .setCreatedAt(SENT.plusMillis(40))
                .setQueuedMs(0)
                .setInferenceMs(40)
                .setBatchSize(1);
    }

    @Test
    void shouldShowTheActionOfADecidedRecordAndADashForAnyOther() {
        DemoAnswer decided = DemoAnswer.of(classification()
                .setPolicyVersion("2026-12-07")
                .setDecision(Decision.newBuilder()
                        .setAction("remove")
                        .setPolicyVersion("2026-12-07")
                        .setRule(0)
                        .setLabel("hate speech")
                        .setProbability(0.83)
                        .build())
                .build());
        assertEquals("remove", decided.decision());
        assertEquals("hate speech (p=0.83)", decided.answer());
        assertEquals(40, decided.latencyMs());
        assertEquals("-", DemoAnswer.of(classification().build()).decision());
        Completion completion = Completion.newBuilder()
                .setId("g")
                .setText(" Swiss Franc")
                .setFinishReason(FinishReason.STOP)
                .setPromptTokens(5)
                .setCompletionTokens(3)
                .setModel(MODEL)
                .setRequestCreatedAt(SENT)
                .setCreatedAt(SENT)
                .setQueuedMs(0)
                .setInferenceMs(0)
                .setBatchSize(1)
                .build();
        assertEquals("-", DemoAnswer.of(completion).decision());
    }
}
