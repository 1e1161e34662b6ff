package dev.gptjt.tasks;

import dev.gptjt.engine.GenerationParams;
import dev.gptjt.engine.GenerationRequest;
import java.util.List;
import java.util.Objects;

/**
 * A named task: a few-shot template the request's text is inserted into, what to do with it, and
 * where its results go.
 *
 * @param name             the name requests give in {@code task}
 * @param template         the prompt, with {@code {input}} where the request's text goes
 * @param mode             generate, classify or extract
 * @param labels           the allowed answers of a classify task (scored as {@code " " + label})
 * @param topic            the task's result topic
 * @param maxNewTokens     default {@code max_new_tokens} (generate/extract) when the request keeps the schema's default
 * @param stop             default stop sequences when the request gives none
 * @param lengthNormalized classify: compare labels by mean token log-probability instead of the sum
 * @param output           what a generate or extract completion may be: free text, (extract) a list of spans of
 *                         the input, or (generate) text {@code outputPattern} matches, decoded under that shape
 * @param outputPattern    the {@link OutputShape#PATTERN} shape's regular expression; {@code null} otherwise
 * @param entityTypes      the {@link OutputShape#SPANS} shape's item types: each item is then {@code text (type)}
 *                         with a type from these; empty for untyped items
 */
public record TaskDefinition(
        String name,
        String template,
        Mode mode,
        List<String> labels,
        String topic,
        int maxNewTokens,
        List<String> stop,
        boolean lengthNormalized,
        OutputShape output,
        String outputPattern,
        List<String> entityTypes) {

    public enum Mode {
        GENERATE,
        CLASSIFY,
        EXTRACT
    }

    /** What a completion may be. */
    public enum OutputShape {
        /** Whatever the model writes (then parsed leniently, for extract). */
        FREE,
        /**
         * extract: a list in the template's format whose every item is a word-aligned substring of the input, each
         * at most once, or the none word ({@link SpanListAutomaton}); decoded under that shape, so it always parses
         * and never names what the input does not hold.
         */
        SPANS,
        /**
         * generate: text the task's {@code output-pattern} matches as a whole, then its stop ({@link PatternAutomaton});
         * decoded under it, so every completion matches.
         */
        PATTERN
    }

    public static final String INPUT = "{input}";

    public TaskDefinition {
        Objects.requireNonNull(name);
        Objects.requireNonNull(template);
        Objects.requireNonNull(mode);
        Objects.requireNonNull(topic);
        labels = List.copyOf(labels);
        stop = List.copyOf(stop);
        if (!template.contains(INPUT)) {
            throw new IllegalArgumentException("task " + name + ": template has no " + INPUT + " placeholder");
        }
        if (mode == Mode.CLASSIFY && labels.size() < 2) {
            throw new IllegalArgumentException("task " + name + ": a classify task needs at least two labels");
        }
        if (mode == Mode.CLASSIFY && labels.stream().distinct().count() != labels.size()) {
            throw new IllegalArgumentException("task " + name + ": labels must be distinct");
        }
        output = Objects.requireNonNullElse(output, OutputShape.FREE);
        entityTypes = List.copyOf(Objects.requireNonNullElse(entityTypes, List.of()));
        if (!entityTypes.isEmpty() && output != OutputShape.SPANS) {
            throw new IllegalArgumentException(
                    "task " + name + ": entity-types is set but output is " + output + ", not spans");
        }
        if (output == OutputShape.SPANS) {
            spanFormat(template, stop, entityTypes); // refused at start when a type cannot be written
        }
        if (output == OutputShape.SPANS && mode != Mode.EXTRACT) {
            throw new IllegalArgumentException("task " + name + ": output spans is for extract tasks, not " + mode);
        }
        if (output == OutputShape.PATTERN && (mode != Mode.GENERATE || outputPattern == null)) {
            throw new IllegalArgumentException(
                    "task " + name + ": output pattern is for generate tasks and needs" + " output-pattern");
        }
        if (output != OutputShape.PATTERN && outputPattern != null) {
            throw new IllegalArgumentException(
                    "task " + name + ": output-pattern is set but output is " + output + ", not pattern");
        }
        if (output == OutputShape.PATTERN) {
            patternAutomaton(template, stop, outputPattern); // refused at start when it can never match
        }
    }

    /**
     * The generation request of a generate or extract task for {@code input}: its prompt, and under the task's
     * output shape when it has one.
     */
    public GenerationRequest generation(String id, String input, GenerationParams params) {
        return new GenerationRequest(
                id,
                prompt(input),
                params,
                switch (output) {
                    case FREE -> null;
                    case SPANS -> SpanListAutomaton.of(input, spanFormat());
                    case PATTERN -> patternAutomaton(template, stop, outputPattern);
                });
    }

    /** The pattern shape after {@code template}: its lead space where the template ends without one, its stop. */
    private static PatternAutomaton patternAutomaton(String template, List<String> stop, String pattern) {
        return PatternAutomaton.of(
                pattern, SpanListAutomaton.Format.after(template).lead(), stop.isEmpty() ? "" : stop.get(0));
    }

    /** How this task's span lists are written: the default format after its template, ending in its stop. */
    public SpanListAutomaton.Format spanFormat() {
        return spanFormat(template, stop, entityTypes);
    }

    private static SpanListAutomaton.Format spanFormat(String template, List<String> stop, List<String> types) {
        SpanListAutomaton.Format after = SpanListAutomaton.Format.after(template.substring(template.indexOf(INPUT)));
        return new SpanListAutomaton.Format(
                after.lead(), after.separator(), stop.isEmpty() ? after.end() : stop.get(0), after.none(), types);
    }

    /** The same task with another output shape. */
    public TaskDefinition withOutput(OutputShape shape) {
        // types shape a spans list only
        return withShape(shape, outputPattern, shape == OutputShape.SPANS ? entityTypes : List.of());
    }

    /** The same task answering under {@code pattern} (the {@code pattern} output shape, no entity types). */
    public TaskDefinition withPattern(String pattern) {
        return withShape(OutputShape.PATTERN, pattern, List.of());
    }

    /** The same task writing {@code types} after its spans ({@code text (type)} items). */
    public TaskDefinition withEntityTypes(List<String> types) {
        return withShape(output, outputPattern, types);
    }

    private TaskDefinition withShape(OutputShape shape, String pattern, List<String> types) {
        return new TaskDefinition(
                name, template, mode, labels, topic, maxNewTokens, stop, lengthNormalized, shape, pattern, types);
    }

    /** The prompt for a request's text. */
    public String prompt(String input) {
        return template.replace(INPUT, input);
    }

    /** The template's text before {@code {input}}: what every prompt of the task starts with (its prefix cache). */
    public String prefix() {
        return template.substring(0, template.indexOf(INPUT));
    }

    /**
     * SHA-256 (lowercase hex) of what in this definition decides an answer: mode, template, labels, scoring, the
     * decoding defaults and the output shape — not its name or result topic. Results carry it (template_sha256),
     * so a change to the task shows in its results and keys its cached answers apart.
     */
    public String templateSha256() {
        // Each field (each item of a list) length-prefixed, so no two definitions hash the same text.
        StringBuilder canonical = new StringBuilder();
        for (Object field : List.of(
                mode,
                template,
                labels,
                maxNewTokens,
                stop,
                lengthNormalized,
                output,
                Objects.requireNonNullElse(outputPattern, ""),
                entityTypes)) {
            List<?> items = field instanceof List<?> list ? list : List.of(field);
            canonical.append(items.size()).append('[');
            for (Object item : items) {
                String text = item.toString();
                canonical.append(text.length()).append(':').append(text);
            }
            canonical.append(']');
        }
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(canonical.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(digest);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /** The continuations scored for a classify task: each label after a space, as in "Output: label". */
    public List<String> continuations() {
        return labels.stream().map(l -> " " + l).toList();
    }
}
