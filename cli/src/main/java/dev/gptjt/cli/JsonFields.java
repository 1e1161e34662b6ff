package dev.gptjt.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Typed, strict reads of a JSON line's optional fields, shared by every command that reads prompt lines:
 * absent or null is empty, a value of the wrong type is an error naming the field and what it was.
 */
public final class JsonFields {
    private JsonFields() {}

    /** @throws IllegalArgumentException when the field is present but not an integer that fits an int */
    public static Optional<Integer> integer(JsonNode line, String field) {
        JsonNode v = value(line, field);
        if (v == null) {
            return Optional.empty();
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw wrong(field, "an integer", v);
        }
        return Optional.of(v.intValue());
    }

    /** @throws IllegalArgumentException when the field is present but not an integer that fits a long */
    public static Optional<Long> longInteger(JsonNode line, String field) {
        JsonNode v = value(line, field);
        if (v == null) {
            return Optional.empty();
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw wrong(field, "an integer", v);
        }
        return Optional.of(v.longValue());
    }

    /** @throws IllegalArgumentException when the field is present but not a number */
    public static Optional<Double> number(JsonNode line, String field) {
        JsonNode v = value(line, field);
        if (v == null) {
            return Optional.empty();
        }
        if (!v.isNumber()) {
            throw wrong(field, "a number", v);
        }
        return Optional.of(v.doubleValue());
    }

    /** @throws IllegalArgumentException when the field is present but not a string */
    public static Optional<String> text(JsonNode line, String field) {
        JsonNode v = value(line, field);
        if (v == null) {
            return Optional.empty();
        }
        if (!v.isTextual()) {
            throw wrong(field, "a string", v);
        }
        return Optional.of(v.asText());
    }

    /** A string or an array of strings. @throws IllegalArgumentException for anything else */
    public static Optional<List<String>> texts(JsonNode line, String field) {
        JsonNode v = value(line, field);
        if (v == null) {
            return Optional.empty();
        }
        List<String> out = new ArrayList<>();
        if (v.isTextual()) {
            out.add(v.asText());
        } else if (v.isArray()) {
            for (JsonNode s : v) {
                if (!s.isTextual()) {
                    throw wrong(field, "a string or an array of strings", v);
                }
                out.add(s.asText());
            }
        } else {
            throw wrong(field, "a string or an array of strings", v);
        }
        return Optional.of(out);
    }

    private static JsonNode value(JsonNode line, String field) {
        JsonNode v = line.get(field);
        return v == null || v.isNull() ? null : v;
    }

    private static IllegalArgumentException wrong(String field, String expected, JsonNode was) {
        return new IllegalArgumentException(field + " must be " + expected + ", was " + was);
    }
}
