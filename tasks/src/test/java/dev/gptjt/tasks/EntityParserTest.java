package dev.gptjt.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EntityParserTest {

    private static List<String> texts(String completion) {
        List<String> out = new ArrayList<>();
        for (EntityParser.ExtractedEntity e : EntityParser.parse(completion)) {
            out.add(e.type() == null ? e.text() : e.text() + "/" + e.type());
        }
        return out;
    }

    @Test
    void shouldParseATableOfMessyCompletions() {
        // completion as the model wrote it                              → entities
        assertEquals(List.of("Seattle", "Portland", "Vikash"), texts(" Seattle, Portland, Vikash"));
        assertEquals(
                List.of("Seattle", "Portland", "Vikash"),
                texts(" Seattle, Portland, Vikash\n\nSentence: next block\nEntities: Oslo"));
        // "and" inside an item is kept: splitting there would break names like "Johnson and Johnson"
        assertEquals(List.of("Seattle", "Portland and Vikash"), texts(" Seattle, Portland and Vikash."));
        assertEquals(List.of("Seattle", "Portland"), texts(" Seattle, seattle, Portland, Seattle"));
        assertEquals(List.of("Satya Nadella", "Microsoft"), texts(" \"Satya Nadella\", 'Microsoft'."));
        assertEquals(List.of("Bahamas", "Vikash"), texts(" Bahamas;, ,, and Vikash;"));
        assertEquals(List.of(), texts(""));
        assertEquals(List.of(), texts("   \n"));
        assertEquals(List.of(), texts(" None"));
        assertEquals(List.of(), texts(null));
        assertEquals(
                List.of("Satya Nadella/person", "Microsoft/organization"),
                texts(" Satya Nadella (person), Microsoft (Organization)"));
        assertEquals(List.of("A-ha", "U2"), texts(" A-ha, U2 | "));
    }

    @Test
    void shouldKeepTheLastItemAfterAnAnd() {
        assertEquals(List.of("Seattle", "Portland"), texts(" Seattle, and Portland"));
    }
}
