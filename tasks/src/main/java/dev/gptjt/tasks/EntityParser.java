package dev.gptjt.tasks;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses an extract task's completion ("Seattle, Portland, Vikash") into entities. Robust to what
 * language models do: trailing text after the first line, a next few-shot block, duplicates,
 * stray punctuation and quotes, "and" before the last item, empty output. Items written as
 * {@code text (type)} keep their type.
 */
public final class EntityParser {
    /** One extracted entity; {@code type} is null unless written as {@code text (type)}. */
    public record ExtractedEntity(String text, String type) {}

    private static final Pattern TYPED = Pattern.compile("^(.*\\S)\\s*\\(([^()]+)\\)$");
    private static final Pattern NONE = Pattern.compile("(?i)^(none|n/?a|no entities|-)$");
    private static final String TRIM = " \t\"'`“”‘’.,;:!?*-[]{}<>";

    private EntityParser() {}

    public static List<ExtractedEntity> parse(String completion) {
        if (completion == null) {
            return List.of();
        }
        String line = completion.strip();
        int newline = line.indexOf('\n');
        if (newline >= 0) {
            line = line.substring(0, newline); // the answer is the first line; what follows is the model going on
        }
        List<ExtractedEntity> out = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (String item : line.split("[,;|]")) {
            String text = trim(item);
            if (text.toLowerCase(Locale.ROOT).startsWith("and ")) {
                text = trim(text.substring(4));
            }
            String type = null;
            Matcher typed = TYPED.matcher(text);
            if (typed.matches()) {
                text = trim(typed.group(1));
                type = trim(typed.group(2)).toLowerCase(Locale.ROOT);
            }
            if (text.isEmpty() || NONE.matcher(text).matches() || !seen.add(text.toLowerCase(Locale.ROOT))) {
                continue;
            }
            out.add(new ExtractedEntity(text, type == null || type.isEmpty() ? null : type));
        }
        return out;
    }

    private static String trim(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && TRIM.indexOf(s.charAt(start)) >= 0) {
            start++;
        }
        while (end > start && TRIM.indexOf(s.charAt(end - 1)) >= 0) {
            end--;
        }
        return s.substring(start, end);
    }
}
