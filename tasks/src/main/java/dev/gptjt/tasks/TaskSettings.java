package dev.gptjt.tasks;

import dev.gptjt.engine.Lane;
import dev.gptjt.tasks.cascade.CascadeSettings;
import dev.gptjt.tasks.decision.Band;
import dev.gptjt.tasks.decision.DecisionPolicy;
import dev.gptjt.tasks.decision.DecisionRule;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One task's {@code gptjt.tasks.NAME.*} settings, typed: the service maps them with the rest of its
 * configuration, the launcher with {@link TaskProperties} — one definition, one set of defaults.
 */
public interface TaskSettings {
    /** The few-shot prompt with {input} where the request's text goes. */
    String template();

    /** generate, classify or extract. */
    @WithDefault("generate")
    TaskDefinition.Mode mode();

    /** classify: the allowed labels, comma-separated (escape a comma in a label as \\,). */
    Optional<List<String>> labels();

    /** Result topic; defaults to gptjt.results.NAME. */
    Optional<String> topic();

    /** generate/extract: max_new_tokens when the request keeps the schema default. */
    @WithName("max-new-tokens")
    @WithDefault("16")
    int maxNewTokens();

    /** generate/extract: stop sequences when the request gives none (Java escapes, e.g. \n). */
    Optional<List<String>> stop();

    /** classify: compare labels by mean instead of summed token log-probability. */
    @WithName("length-normalized")
    @WithDefault("false")
    boolean lengthNormalized();

    /**
     * generate/extract: what a completion may be: free (whatever the model writes); for extract, spans (a list in
     * the template's format whose every item is a word-aligned substring of the input, each once, or 'none'); for
     * generate, pattern (text output-pattern matches as a whole, then the stop). Shapes are decoded under on the Java
     * loop, so an extract answer always parses and names nothing the input lacks, a pattern answer always matches.
     */
    @WithDefault("free")
    TaskDefinition.OutputShape output();

    /**
     * generate, with output=pattern: the regular expression every completion matches as a whole (Lucene's syntax:
     * classes, \d \s \w, | * + ? {n,m}; e.g. [A-Z][a-z]+( [A-Z][a-z]+)* for a currency name). Refused at start
     * when it is not one or can never match.
     */
    @WithName("output-pattern")
    Optional<String> outputPattern();

    /**
     * extract, with output=spans: the entity types, comma-separated (e.g. person,place,org); each item is then
     * written 'text (type)' with its type from these, as the template's examples must show.
     */
    @WithName("entity-types")
    Optional<List<String>> entityTypes();

    /**
     * The engine lane the task's prompts run in when the request asks for none and comes from the prompts topic:
     * realtime (scheduled first) or bulk (runs in the capacity realtime leaves; its full queue never holds realtime
     * back). Only the service reads it.
     */
    @WithDefault("realtime")
    Lane priority();

    /** classify: a distilled model that answers the records it is sure of before GPT-JT ('gptjt distill'). */
    Optional<Cascade> cascade();

    /** {@code gptjt.tasks.NAME.cascade.*}. */
    interface Cascade {
        /** The directory 'gptjt distill' wrote (model.onnx, features.json, card.json). */
        String model();

        /** A record whose top cascade probability reaches this is answered by the cascade; the rest by GPT-JT. */
        @WithName("min-probability")
        @WithDefault("0.97")
        double minProbability();

        /** Share of cascade-answered records also sent to GPT-JT, without a second result, to measure agreement. */
        @WithName("audit-fraction")
        @WithDefault("0")
        double auditFraction();
    }

    /**
     * classify: what the task does with each classification ({@code gptjt.tasks.NAME.decisions.*}): rules of a label
     * and a probability band to an action, a topic per action, and an audit sample.
     */
    Optional<Decisions> decisions();

    /**
     * {@code gptjt.tasks.NAME.decisions.*}: a decision policy. The first rule whose label's probability is in its band
     * decides (min inclusive, max exclusive, except max 1 which includes 1), else the default action; a label's rules
     * are listed from the highest band down and do not overlap.
     */
    interface Decisions {
        /** The policy's version, written on every decided record (e.g. 2026-12-07); required. */
        String version();

        /** Every action the policy may take, comma-separated (e.g. remove,review,allow); required. */
        List<String> actions();

        /** The action when no rule matches; one of {@link #actions()}. */
        @WithName("default-action")
        @WithDefault("allow")
        String defaultAction();

        /** The rules, tried in order: {@code rules[0].label}, {@code rules[0].min}, ... */
        Optional<List<Rule>> rules();

        /** Per action, its topic ({@code topics.remove=...}); unset: gptjt.decisions.NAME.ACTION. */
        Map<String, String> topics();

        /**
         * Share of the task's decisions also written to the audit topic (gptjt.topics.audit), in [0, 1]: picked by
         * the record's id, so a replay picks the same records.
         */
        @WithName("audit-fraction")
        @WithDefault("0")
        double auditFraction();
    }

    /** {@code gptjt.tasks.NAME.decisions.rules[i].*}. */
    interface Rule {
        /** One of the task's labels. */
        String label();

        /** Lowest probability of the label the rule matches (inclusive), in [0, 1). */
        @WithDefault("0")
        double min();

        /** The band's upper edge (exclusive; 1 includes 1), in (min, 1]. */
        @WithDefault("1")
        double max();

        /** One of the policy's actions. */
        String action();
    }

    /**
     * The decision policies of {@code gptjt.tasks}, by task name (tasks without one are absent).
     *
     * @throws IllegalArgumentException in one line naming the key of the first one that is not valid
     */
    static Map<String, DecisionPolicy> policies(Map<String, TaskSettings> tasks) {
        Map<String, DecisionPolicy> out = new TreeMap<>();
        tasks.forEach((name, t) -> t.decisions().ifPresent(d -> {
            String prefix = "gptjt.tasks." + name + ".";
            if (t.mode() != TaskDefinition.Mode.CLASSIFY) {
                throw new IllegalArgumentException(prefix + "decisions: only a classify task can have decisions");
            }
            try {
                DecisionPolicy policy = DecisionPolicy.of(
                        name,
                        d.version(),
                        d.actions(),
                        rules(d.rules().orElse(List.of())),
                        d.defaultAction(),
                        d.topics(),
                        d.auditFraction());
                policy.checkLabels(t.labels().orElse(List.of()));
                out.put(name, policy);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(prefix + e.getMessage(), e);
            }
        }));
        return out;
    }

    private static List<DecisionRule> rules(List<Rule> rules) {
        List<DecisionRule> out = new ArrayList<>();
        for (int i = 0; i < rules.size(); i++) {
            Rule r = rules.get(i);
            String key = "decisions.rules[" + i + "]";
            checkBound(key + ".min", r.min());
            checkBound(key + ".max", r.max());
            if (!(r.min() < r.max())) {
                throw new IllegalArgumentException(
                        key + ".min: must be below max, was min " + r.min() + ", max " + r.max());
            }
            out.add(new DecisionRule(r.label(), new Band(r.min(), r.max()), r.action()));
        }
        return out;
    }

    private static void checkBound(String key, double bound) {
        if (!(bound >= 0 && bound <= 1)) {
            throw new IllegalArgumentException(key + ": must be in [0, 1], was " + bound);
        }
    }

    /**
     * The cascades of {@code gptjt.tasks}, by task name (tasks without one are absent).
     *
     * @throws IllegalArgumentException naming the key of the first one that is not valid
     */
    static Map<String, CascadeSettings> cascades(Map<String, TaskSettings> tasks) {
        Map<String, CascadeSettings> out = new TreeMap<>();
        tasks.forEach((name, t) -> t.cascade().ifPresent(c -> {
            if (t.mode() != TaskDefinition.Mode.CLASSIFY) {
                throw new IllegalArgumentException(
                        "gptjt.tasks." + name + ".cascade: only a classify task can have a cascade");
            }
            try {
                out.put(name, new CascadeSettings(Path.of(c.model()), c.minProbability(), c.auditFraction()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("gptjt.tasks." + name + "." + e.getMessage(), e);
            }
        }));
        return out;
    }

    /**
     * The task definitions of {@code gptjt.tasks}, by name.
     *
     * @throws IllegalArgumentException naming the key of the first task that is not valid
     */
    static Map<String, TaskDefinition> definitions(Map<String, TaskSettings> tasks) {
        Map<String, TaskDefinition> out = new TreeMap<>();
        tasks.forEach((name, t) -> {
            try {
                out.put(
                        name,
                        new TaskDefinition(
                                name,
                                t.template(),
                                t.mode(),
                                t.labels().orElse(List.of()),
                                t.topic().orElse(DefaultTopics.results(name)),
                                t.maxNewTokens(),
                                t.stop().orElse(List.of()),
                                t.lengthNormalized(),
                                t.output(),
                                t.outputPattern().orElse(null),
                                t.entityTypes().orElse(List.of())));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("gptjt.tasks." + name + ": " + e.getMessage(), e);
            }
        });
        return out;
    }
}
