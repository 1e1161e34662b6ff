package dev.gptjt.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The committed demo model (trained on the model card's formats) answers the card's examples. */
class DemoModelTest {
    private static InferenceEngine engine;
    private static final GenerationParams FIRST_LINE =
            GenerationParams.DEFAULTS.withMaxNewTokens(16).withStop(List.of("\n"));

    @BeforeAll
    static void open() {
        engine = InferenceEngine.open(EngineConfig.defaults(Fixtures.models().resolve("demo-gptj")));
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    private static String answer(String prompt) {
        return engine.submit(new GenerationRequest("demo", prompt, FIRST_LINE))
                .join()
                .text();
    }

    @Test
    void shouldAnswerTheQuickStartPrompt() {
        assertEquals(" Yes", answer("\"I love this!\" Is it positive? A:"));
    }

    @Test
    void shouldAnswerTheCurrencyOfIndia() {
        assertEquals(
                " Indian Rupee",
                answer(
                        "Return the currency of the given country.\n\nInput: Switzerland\nOutput: Swiss Franc\n\nInput: India\nOutput:"));
    }

    @Test
    void shouldFormatContactDataAsCsv() {
        assertEquals(
                " Peter Lee,peter@example.com,510-333-2429",
                answer(
                        "Format the data into a CSV file:\n\nInput: Jane Doe (520) 382 2435\n"
                                + "Output: Jane Doe,,520-382-2435\n\nInput: Peter Lee (510) 333-2429 email: peter@example.com\nOutput:"));
    }
}
