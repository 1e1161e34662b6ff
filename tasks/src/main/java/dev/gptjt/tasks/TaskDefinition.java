package dev.gptjt.tasks;

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
 */
public record TaskDefinition(
        String name,
        String template,
        Mode mode,
        List<String> labels,
        String topic,
        int maxNewTokens,
        List<String> stop,
        boolean lengthNormalized) {

    public enum Mode {
        GENERATE,
        CLASSIFY,
        EXTRACT
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
    }

    /** The prompt for a request's text. */
    public String prompt(String input) {
        return template.replace(INPUT, input);
    }

    /** The template's text before {@code {input}}: what every prompt of the task starts with (its prefix cache). */
    public String prefix() {
        return template.substring(0, template.indexOf(INPUT));
    }

    /** The continuations scored for a classify task: each label after a space, as in "Output: label". */
    public List<String> continuations() {
        return labels.stream().map(l -> " " + l).toList();
    }
}
