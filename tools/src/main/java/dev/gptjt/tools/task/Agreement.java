package dev.gptjt.tools.task;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * How two runs of a task answered the same records ({@link TaskRunner}'s JSON results, record by
 * record): how many answers are the same (label, entities, generated ids, or error) and the largest
 * difference between their label probabilities.
 */
public record Agreement(int same, int records, double maxProbabilityDifference) {
    public static Agreement of(List<ObjectNode> expected, List<ObjectNode> actual) {
        int same = 0;
        double maxDiff = 0;
        for (int i = 0; i < expected.size(); i++) {
            JsonNode e = expected.get(i);
            JsonNode a = actual.get(i);
            if (answer(e).equals(answer(a))) {
                same++;
            }
            JsonNode es = e.path("scores");
            JsonNode as = a.path("scores");
            for (int j = 0; j < es.size() && j < as.size(); j++) {
                maxDiff = Math.max(
                        maxDiff,
                        Math.abs(es.get(j).path("probability").asDouble()
                                - as.get(j).path("probability").asDouble()));
            }
        }
        return new Agreement(same, expected.size(), maxDiff);
    }

    /** What a record answered: the label, the entities, the generated ids, or the error. */
    private static JsonNode answer(JsonNode r) {
        for (String field : List.of("label", "entities", "output_ids", "error")) {
            if (r.has(field)) {
                return r.get(field);
            }
        }
        return r;
    }
}
