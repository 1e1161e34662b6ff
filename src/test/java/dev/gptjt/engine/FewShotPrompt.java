package dev.gptjt.engine;

import java.util.List;

/**
 * A few-shot template and its labels, as a task gives them to the engine: the engine sees only the
 * prompt text, the prefix it may cache and the label continuations.
 */
public record FewShotPrompt(String name, String template, List<String> labels) {
    private static final String INPUT = "{input}";

    public String prompt(String input) {
        return template.replace(INPUT, input);
    }

    public String prefix() {
        return template.substring(0, template.indexOf(INPUT));
    }

    public List<String> continuations() {
        return labels.stream().map(l -> " " + l).toList();
    }

    public boolean lengthNormalized() {
        return false;
    }
}
