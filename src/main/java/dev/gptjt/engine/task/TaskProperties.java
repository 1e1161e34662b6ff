package dev.gptjt.engine.task;

import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.ErrorCode;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Reads {@code gptjt.tasks.NAME.*} from a properties file (the service's application.properties),
 * for tools that run tasks without the service: same keys and defaults as the service's typed
 * configuration. Lists are comma-separated; {@code \,} is a literal comma.
 */
public final class TaskProperties {
    private static final String PREFIX = "gptjt.tasks.";

    private TaskProperties() {}

    /** @throws EngineException {@link ErrorCode#INVALID_PARAMETER} naming the file and the bad task */
    public static Map<String, TaskDefinition> load(Path file) {
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(in);
        } catch (IOException e) {
            throw new EngineException(ErrorCode.INVALID_PARAMETER, file + ": cannot read: " + e.getMessage(), e);
        }
        TreeSet<String> names = new TreeSet<>();
        for (String key : p.stringPropertyNames()) {
            if (key.startsWith(PREFIX) && key.endsWith(".template")) {
                names.add(key.substring(PREFIX.length(), key.length() - ".template".length()));
            }
        }
        Map<String, TaskDefinition> tasks = new TreeMap<>();
        for (String name : names) {
            String k = PREFIX + name + ".";
            try {
                tasks.put(
                        name,
                        new TaskDefinition(
                                name,
                                p.getProperty(k + "template"),
                                TaskDefinition.Mode.valueOf(p.getProperty(k + "mode", "generate")
                                        .trim()
                                        .toUpperCase(Locale.ROOT)),
                                list(p.getProperty(k + "labels")),
                                p.getProperty(k + "topic", DefaultTopics.results(name)),
                                Integer.parseInt(p.getProperty(k + "max-new-tokens", "16")
                                        .trim()),
                                list(p.getProperty(k + "stop")),
                                Boolean.parseBoolean(p.getProperty(k + "length-normalized", "false")
                                        .trim())));
            } catch (IllegalArgumentException e) {
                throw new EngineException(
                        ErrorCode.INVALID_PARAMETER, file + ": task " + name + ": " + e.getMessage(), e);
            }
        }
        return tasks;
    }

    /** Splits on unescaped commas, as MicroProfile Config does for lists. */
    static List<String> list(String value) {
        List<String> out = new ArrayList<>();
        if (value == null || value.isEmpty()) {
            return out;
        }
        StringBuilder item = new StringBuilder();
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\\' && i + 1 < value.length() && value.charAt(i + 1) == ',') {
                item.append(',');
                i++;
            } else if (c == ',') {
                out.add(item.toString());
                item.setLength(0);
            } else {
                item.append(c);
            }
        }
        out.add(item.toString());
        out.removeIf(String::isEmpty);
        return out;
    }
}
