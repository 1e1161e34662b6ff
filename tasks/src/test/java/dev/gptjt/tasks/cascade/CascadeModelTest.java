package dev.gptjt.tasks.cascade;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.ErrorCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CascadeModelTest {
    @TempDir
    static Path dir;

    static Path distilled;
    static CascadeCard card;

    /** Distils the generator's own labels (no GPT-JT needed to test the model's plumbing). */
    @BeforeAll
    static void distill() {
        List<Distiller.Labeled> examples = EmotionTexts.generate(7, 600, java.util.Set.of()).stream()
                .map(t -> new Distiller.Labeled(t.text(), t.emotion()))
                .toList();
        distilled = dir.resolve("cascade");
        card = Distiller.distill("sentiment", EmotionTexts.EMOTIONS, examples, Distiller.Options.DEFAULTS, distilled);
    }

    @Test
    void shouldWriteAModelItsOnnxExportAgreesWithWithin1e5() {
        assertEquals(480, card.trainingExamples());
        assertEquals(120, card.heldOutExamples());
        assertTrue(card.onnxMaxDifference() <= 1e-5, "ONNX vs Tribuo: " + card.onnxMaxDifference());
        assertEquals(CascadeCard.THRESHOLDS.size(), card.heldOut().size());
        assertTrue(Files.isRegularFile(distilled.resolve("model.onnx")));
        assertTrue(Files.isRegularFile(distilled.resolve("features.json")));
    }

    @Test
    void shouldScoreInTheTasksLabelOrderWithProbabilitiesThatSumToOne() {
        try (CascadeModel model = CascadeModel.open(distilled)) {
            assertEquals(EmotionTexts.EMOTIONS, model.labels());
            assertEquals("cascade", model.name());
            assertEquals(64, model.sha256().length());
            List<CascadeModel.Scores> scores =
                    model.score(List.of("i feel so furious about the exam", "i feel joyful"));
            assertEquals("anger", model.labels().get(scores.get(0).best()));
            assertEquals("joy", model.labels().get(scores.get(1).best()));
            for (CascadeModel.Scores s : scores) {
                assertEquals(1.0, java.util.Arrays.stream(s.probabilities()).sum(), 1e-6);
            }
            CascadeModel.Scores unknown = model.score("\u0416\u0416\u0416");
            assertTrue(unknown.top() < 0.5, "a text of unseen features is never confident");
        }
    }

    @Test
    void shouldRefuseAMissingOrCorruptDirectoryNamingTheFile() throws Exception {
        EngineException missing = assertThrows(EngineException.class, () -> CascadeModel.open(dir.resolve("nowhere")));
        assertEquals(ErrorCode.MODEL_INVALID, missing.code());
        assertTrue(missing.getMessage().contains("card.json"), missing.getMessage());

        Path corrupt = dir.resolve("corrupt");
        Files.createDirectories(corrupt);
        for (String f : List.of("card.json", "features.json")) {
            Files.copy(distilled.resolve(f), corrupt.resolve(f));
        }
        Files.write(corrupt.resolve("model.onnx"), new byte[] {1, 2, 3, 4});
        EngineException bad = assertThrows(EngineException.class, () -> CascadeModel.open(corrupt));
        assertEquals(ErrorCode.MODEL_INVALID, bad.code());
        assertTrue(bad.getMessage().contains("model.onnx"), bad.getMessage());

        Files.writeString(corrupt.resolve("features.json"), "{not json");
        EngineException unreadable = assertThrows(EngineException.class, () -> CascadeModel.open(corrupt));
        assertTrue(unreadable.getMessage().contains("features.json"), unreadable.getMessage());
    }

    @Test
    void shouldRefuseExamplesLabelledOutsideTheTask() {
        EngineException e = assertThrows(
                EngineException.class,
                () -> Distiller.distill(
                        "sentiment",
                        EmotionTexts.EMOTIONS,
                        List.of(new Distiller.Labeled("a", "joy"), new Distiller.Labeled("b", "boredom")),
                        Distiller.Options.DEFAULTS,
                        dir.resolve("never")));
        assertTrue(e.getMessage().contains("boredom"), e.getMessage());
    }
}
