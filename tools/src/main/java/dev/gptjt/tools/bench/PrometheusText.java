package dev.gptjt.tools.bench;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/** Reading a counter out of a service's {@code /q/metrics} text (Prometheus exposition format). */
public final class PrometheusText {
    private PrometheusText() {}

    /**
     * The sum of {@code name}'s samples over all their labels; empty when the text has none (a service without
     * that metric).
     */
    public static OptionalDouble sum(String text, String name) {
        double sum = 0;
        boolean found = false;
        for (String line : text.split("\n")) {
            if (!line.startsWith(name) || line.length() == name.length()) {
                continue;
            }
            char next = line.charAt(name.length());
            if (next != '{' && next != ' ') {
                continue; // another metric whose name starts with this one
            }
            int value = line.indexOf(' ', next == '{' ? line.lastIndexOf('}') : name.length());
            String[] rest = line.substring(value + 1).trim().split("\\s+"); // value, then an optional timestamp
            sum += Double.parseDouble(rest[0]);
            found = true;
        }
        return found ? OptionalDouble.of(sum) : OptionalDouble.empty();
    }

    /**
     * The first of {@code names} that {@code text} has, with its sum; empty when it has none of them.
     */
    public static Optional<Map.Entry<String, Double>> first(String text, List<String> names) {
        for (String name : names) {
            OptionalDouble v = sum(text, name);
            if (v.isPresent()) {
                return Optional.of(Map.entry(name, v.getAsDouble()));
            }
        }
        return Optional.empty();
    }
}
