package dev.gptjt.stream.config;

import dev.gptjt.engine.DecodingBackend;
import dev.gptjt.engine.model.ModelDirectory;
import dev.gptjt.schema.wire.WireFormat;
import dev.gptjt.stream.topology.CacheSettings;
import dev.gptjt.tasks.TaskSettings;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Cross-field rules of {@link GptjtConfig}, checked at start so a bad setting fails fast and says why. */
public final class ConfigValidator {
    private ConfigValidator() {}

    /** @throws IllegalArgumentException listing every broken rule */
    public static void validate(GptjtConfig c) {
        List<String> problems = new ArrayList<>();
        GptjtConfig.engineSettings(c).problems().forEach(p -> problems.add(p.describe(GptjtConfig.keyOf(p.setting()))));
        if (c.engine().backend() == DecodingBackend.IN_GRAPH
                && !Files.isRegularFile(c.model().dir().resolve(ModelDirectory.GREEDY_SEARCH_FILE))
                && !Files.isRegularFile(c.model().dir().resolve(ModelDirectory.CLASSIFY_FILE))) {
            problems.add("gptjt.engine.backend=in-graph needs "
                    + c.model().dir().resolve(ModelDirectory.GREEDY_SEARCH_FILE) + " or "
                    + ModelDirectory.CLASSIFY_FILE + " (write them with: gptjt convert --model "
                    + c.model().dir() + " --out " + c.model().dir()
                    + " --greedy-in-graph --classify-in-graph)");
        }
        GptjtConfig.Topics t = c.topics();
        Set<String> names = new HashSet<>(List.of(t.prompts(), t.bulkPrompts(), t.completions(), t.failures()));
        if (names.size() < 4) {
            problems.add(
                    "gptjt.topics.prompts, .bulk-prompts, .completions and .failures must be four different topics");
        }
        Set<String> allowed = t.allowedReplyTopics().orElse(Set.of());
        if (allowed.contains(t.prompts()) || allowed.contains(t.bulkPrompts())) {
            problems.add("gptjt.topics.allowed-reply-topics must not contain the prompts or bulk prompts topic"
                    + " (results would loop back as prompts)");
        }
        if (t.partitions() < 1) {
            problems.add("gptjt.topics.partitions must be >= 1");
        }
        if (t.replicationFactor() < 1) {
            problems.add("gptjt.topics.replication-factor must be >= 1");
        }
        if (c.stream().flushInterval().isZero() || c.stream().flushInterval().isNegative()) {
            problems.add("gptjt.stream.flush-interval must be positive");
        }
        String cache = CacheSettings.problem(c.cache().ttl(), c.cache().maxEntries());
        if (cache != null) {
            problems.add("gptjt.cache." + cache);
        }
        if (c.wire().format() == WireFormat.Kind.REGISTRY
                && !c.wire().registry().containsKey("url")) {
            problems.add("gptjt.wire.format=registry needs gptjt.wire.registry.url");
        }
        try {
            Tasks.fromConfig(c).values().forEach(task -> {
                if (task.topic().equals(t.prompts()) || task.topic().equals(t.bulkPrompts())) {
                    problems.add("gptjt.tasks." + task.name() + ".topic must not be the prompts or bulk prompts topic");
                }
            });
        } catch (IllegalArgumentException ex) {
            problems.add(ex.getMessage());
        }
        try {
            TaskSettings.cascades(c.tasks());
        } catch (IllegalArgumentException ex) {
            problems.add(ex.getMessage());
        }
        Set<String> prompts = new HashSet<>(List.of(t.prompts(), t.bulkPrompts()));
        Map.of("audit", t.audit(), "verdicts", t.verdicts()).forEach((key, topic) -> {
            if (prompts.contains(topic)) {
                problems.add("gptjt.topics." + key + " must not be the prompts or bulk prompts topic");
            }
        });
        try {
            Tasks.policiesFromConfig(c)
                    .values()
                    .forEach(policy -> policy.topics().forEach((action, topic) -> {
                        if (prompts.contains(topic)) {
                            problems.add("gptjt.tasks." + policy.task() + ".decisions.topics." + action + " (" + topic
                                    + ") must not be the prompts or bulk prompts topic");
                        }
                    }));
        } catch (IllegalArgumentException ex) {
            problems.add(ex.getMessage());
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid configuration:\n  - " + String.join("\n  - ", problems));
        }
    }
}
