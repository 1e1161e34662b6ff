package dev.gptjt.cli.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gptjt.schema.PromptRequest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PromptJsonTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static PromptRequest parse(String line) throws Exception {
        return PromptJson.parse(JSON.readTree(line), "fallback");
    }

    @Test
    void shouldReadEveryFieldOfALine() throws Exception {
        PromptRequest r = parse(
                "{\"id\": \"a\", \"prompt\": \"Hi\", \"task\": \"sentiment\", \"max_new_tokens\": 7, \"temperature\": 0.5,"
                        + " \"top_k\": 3, \"top_p\": 0.9, \"seed\": 42, \"stop\": \"\\n\", \"deadline_ms\": 1000, \"reply_topic\": \"r\","
                        + " \"attributes\": {\"k\": \"v\"}}");
        assertEquals("a", r.getId());
        assertEquals(7, r.getParams().getMaxNewTokens());
        assertEquals(3, r.getParams().getTopK());
        assertEquals(42L, r.getParams().getSeed());
        assertEquals(List.of("\n"), r.getParams().getStop());
        assertEquals(1000L, r.getDeadlineAt().toEpochMilli());
        assertEquals(Map.of("k", "v"), r.getAttributes());
        assertEquals("fallback", parse("{\"prompt\": \"Hi\"}").getId());
    }

    @Test
    void shouldRefuseAValueOfTheWrongTypeNamingTheField() {
        String[][] cases = {
            {"{\"prompt\": \"Hi\", \"max_new_tokens\": \"abc\"}", "max_new_tokens must be an integer, was \"abc\""},
            {"{\"prompt\": \"Hi\", \"top_p\": \"high\"}", "top_p must be a number, was \"high\""},
            {"{\"prompt\": \"Hi\", \"stop\": [1]}", "stop must be a string or an array of strings, was [1]"},
            {"{\"prompt\": \"Hi\", \"id\": 7}", "id must be a string, was 7"},
            {"{\"prompt\": \"Hi\", \"attributes\": {\"k\": 1}}", "k must be a string, was 1"},
            {"{\"prompt\": 3}", "no string \"prompt\""}
        };
        for (String[] c : cases) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse(c[0]), c[0]);
            assertEquals(c[1], e.getMessage());
        }
    }
}
