package dev.gptjt.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gptjt.engine.Fixtures;
import dev.gptjt.engine.model.ModelDirectory;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TokenizerTest {
    private static Gpt2Tokenizer tokenizer;

    @BeforeAll
    static void load() {
        ModelDirectory dir = ModelDirectory.open(Fixtures.tinyGptj());
        tokenizer = Gpt2Tokenizer.load(dir.vocabFile(), dir.mergesFile());
    }

    @Test
    void shouldEncodeEveryGoldenCaseExactlyAsHuggingFace() {
        JsonNode cases = Fixtures.golden().get("tokenizer_cases");
        assertEquals(19, cases.size());
        for (JsonNode c : cases) {
            String text = c.get("text").asText();
            assertArrayEquals(Fixtures.ints(c.get("ids")), tokenizer.encode(text), () -> "encoding of " + text);
        }
    }

    @Test
    void shouldDecodeEveryGoldenCaseBackToItsText() {
        for (JsonNode c : Fixtures.golden().get("tokenizer_cases")) {
            assertEquals(c.get("decoded").asText(), tokenizer.decode(Fixtures.ints(c.get("ids"))));
        }
    }

    @Test
    void shouldEncodeSpecialTokenStringsAsOrdinaryText() {
        int[] ids = tokenizer.encode("hi <|endoftext|><|endoftext|> there");
        assertFalse(Arrays.stream(ids).anyMatch(id -> id == 50256), Arrays.toString(ids));
        assertEquals("hi <|endoftext|><|endoftext|> there", tokenizer.decode(ids));
    }

    @Test
    void shouldDecodeUnusedIdsToNothing() {
        assertEquals("Hi", tokenizer.decode(new int[] {50300, 17250, 50399}));
    }
}
