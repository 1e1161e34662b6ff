package dev.gptjt.cli.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gptjt.cli.Cli;
import dev.gptjt.cli.CliException;
import dev.gptjt.cli.CommonOptions;
import dev.gptjt.cli.EngineOptions;
import dev.gptjt.cli.IoCommand;
import dev.gptjt.cli.task.TaskOptions;
import dev.gptjt.engine.BatchFormation;
import dev.gptjt.engine.DecodingBackend;
import dev.gptjt.engine.EngineConfig;
import dev.gptjt.engine.GenerationResult;
import dev.gptjt.engine.InferenceEngine;
import dev.gptjt.engine.model.ModelDirectory;
import dev.gptjt.tasks.TaskDefinition;
import dev.gptjt.tasks.decision.DecisionPolicy;
import dev.gptjt.tools.bench.InGraphCorrections;
import dev.gptjt.tools.bench.SpanBench;
import dev.gptjt.tools.task.Agreement;
import dev.gptjt.tools.task.TaskRunner;
import java.io.BufferedReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code gptjt bench task}: a task's records per second over a file of inputs at full batches, each path
 * in an engine of its own — the whole prompt in arrival-order batches (the baseline), the whole prompt in
 * batches formed as {@code --batch-formation} says, the task's cached prefix, and (for a classify task, when the
 * model directory has {@code classify.onnx}) the one-pass classification graph — run in turn within each
 * repetition (so the host's drift hits both alike), with their ratio per repetition and how far their
 * answers differ (labels and largest probability difference; extract/generate: identical answers). A classify task
 * with a decision policy has each path's answers decided, and their count per action reported. An extract task on a
 * directory with {@code greedy_search.onnx} has its spans shape decoded in-graph too ({@code in-graph-spans}: guessed
 * in-graph, checked and corrected on the host), its answers compared with {@code prefix-spans}' (the Java loop's) and
 * the engine's corrections, operator runs and hand-backs per answer reported.
 */
@Command(
        name = "task",
        mixinStandardHelpOptions = true,
        description = {
            "A task's records per second, path by path, and how their answers differ.",
            "Over a file of inputs at full batches: the whole prompt (arrival-order batches, then --batch-formation's), the",
            "task's cached prefix and (classify, when the",
            "directory has classify.onnx) the one-pass graph, or (extract) the prefix path decoded under the spans shape,",
            "with jump-forward and a token a step, and (when the directory has greedy_search.onnx) decoded in-graph,",
            "checked and corrected on the host, in turn within each repetition; their answers compared. extract: mask",
            "time per row-step, tokens forced by jump-forward, how many answers name only what their input holds, and",
            "the in-graph path's answers against prefix-spans', its corrections and operator runs per answer and the",
            "answers handed back to the Java loop (more than --max-corrections corrections).",
            "A classify task with a decision policy: each path's count of records per action."
        })
public final class TaskBenchCommand extends IoCommand {
    /** A way of running the task, and its engine. */
    /** @param resultCache a text seen earlier in the run is answered with its first answer (the service's cache) */
    private record Variant(String name, InferenceEngine engine, TaskDefinition task, boolean resultCache) {
        Variant(String name, InferenceEngine engine, TaskDefinition task) {
            this(name, engine, task, false);
        }
    }

    @Mixin
    TaskOptions options;

    @Option(
            names = "--inputs",
            required = true,
            paramLabel = "FILE.jsonl",
            converter = Cli.PathConverter.class,
            description = "{\"id\", \"text\"} lines (e.g. docs/bench/tweets.jsonl).")
    Path inputsFile;

    /** Timed passes over the file per path. */
    @Mixin
    CommonOptions.Repeat repeatOption;

    @Mixin
    CommonOptions.Json jsonOption;

    /** The in-graph spans path's bound on corrections per row. */
    @Mixin
    EngineOptions.MaxCorrections maxCorrectionsOption;

    /** The path whose answers the in-graph spans path must give: the same shape on the Java loop. */
    private static final String SPANS_REFERENCE = "prefix-spans";

    /** The spans shape decoded in-graph, checked and corrected on the host (a model with greedy_search.onnx). */
    private static final String IN_GRAPH_SPANS = "in-graph-spans";

    /** The task's decision policy, null for none: each path's answers are decided, and the decisions counted. */
    private DecisionPolicy policy;

    @Override
    public Integer call() throws Exception {
        TaskDefinition configured = options.definition();
        policy = options.policy().orElse(null);
        int maxCorrections = maxCorrectionsOption.maxCorrections(); // refused before any engine opens
        // every path but the spans path generates freely: the constraint's cost is the spans path against them
        TaskDefinition task = configured.mode() == TaskDefinition.Mode.EXTRACT
                ? configured.withOutput(TaskDefinition.OutputShape.FREE)
                : configured;
        TaskDefinition spansTask = configured.mode() == TaskDefinition.Mode.EXTRACT
                ? configured.withOutput(TaskDefinition.OutputShape.SPANS) // with the task's entity types, if any
                : null;
        Path model = options.model();
        int batch = options.batching().maxBatchSize();
        int repeat = repeatOption.repeat();
        boolean json = jsonOption.json();
        List<TaskRunner.Input> inputs;
        try (BufferedReader in = Files.newBufferedReader(inputsFile, StandardCharsets.UTF_8)) {
            inputs = TaskRunner.read(in);
        } catch (NoSuchFileException e) {
            throw new CliException("--inputs: no file " + inputsFile);
        }
        if (inputs.isEmpty()) {
            throw new CliException("--inputs: " + inputsFile + " has no input lines");
        }
        // spinning off, as in the service: the idle engine's threads must not take the running one's cores
        // the Java loop for every path but the graph's, whatever the directory holds
        EngineConfig config =
                options.engineConfig(inputs.size()).withSpinWait(false).withBackend(DecodingBackend.JAVA_LOOP);
        List<Variant> paths = new ArrayList<>();
        try {
            // the first path is the baseline of every ratio: the path before prefix caching and batch formation
            paths.add(new Variant(
                    "whole-fifo", InferenceEngine.open(config.withBatchFormation(BatchFormation.FIFO)), task));
            if (config.batchFormation() != BatchFormation.FIFO) {
                paths.add(new Variant("whole-prompt", InferenceEngine.open(config), task));
            }
            InferenceEngine cached = InferenceEngine.open(config);
            paths.add(new Variant("prefix-cache", cached, task));
            int prefixTokens = cached.cachePrefix(task.prefix())
                    .map(p -> p.tokens().length)
                    .orElse(0);
            // the same engine, repeats of a text answered from its first answer: what the result cache saves
            paths.add(new Variant("result-cache", cached, task, true));
            if (task.mode() == TaskDefinition.Mode.CLASSIFY
                    && ModelDirectory.open(model).classifyFile().isPresent()) {
                InferenceEngine inGraph = InferenceEngine.open(config.withBackend(DecodingBackend.IN_GRAPH));
                paths.add(new Variant("in-graph", inGraph, task));
                inGraph.cachePrefix(task.prefix());
            }
            if (task.mode() == TaskDefinition.Mode.EXTRACT) {
                InferenceEngine spans = InferenceEngine.open(config);
                paths.add(new Variant("prefix-spans", spans, spansTask));
                spans.cachePrefix(task.prefix());
                // the same shape a token a step: what jump-forward saves
                InferenceEngine stepped = InferenceEngine.open(config.withJumpForward(false));
                paths.add(new Variant("spans-stepped", stepped, spansTask));
                stepped.cachePrefix(task.prefix());
                if (ModelDirectory.open(model).greedySearchFile().isPresent()) {
                    // the greedy graph reads the whole prompt: the cached prefix is there for the Java loop, which
                    // decodes the rows handed back
                    InferenceEngine checked = InferenceEngine.open(
                            config.withBackend(DecodingBackend.IN_GRAPH).withMaxCorrections(maxCorrections));
                    paths.add(new Variant(IN_GRAPH_SPANS, checked, spansTask));
                    checked.cachePrefix(task.prefix());
                }
            }
            if (!json) {
                out.printf(
                        Locale.ROOT,
                        "task bench: %s (%s) on %s, %d inputs (%.1f prompt tokens on average, %d of them a cached prefix), batch %d, %d repetitions%n",
                        task.name(),
                        task.mode().name().toLowerCase(Locale.ROOT),
                        model.getFileName(),
                        inputs.size(),
                        meanPromptTokens(cached, task, inputs),
                        prefixTokens,
                        batch,
                        repeat);
            }
            Map<String, List<ObjectNode>> answers = new LinkedHashMap<>();
            Map<String, double[]> perSecond = new LinkedHashMap<>();
            Map<String, List<GenerationResult>> results = new LinkedHashMap<>();
            for (Variant p : paths) {
                // warm-up, and the answers compared below (with the engine's results, for the spans paths' figures)
                List<TaskRunner.Answered> answered = runKeepingResults(p, inputs);
                answers.put(
                        p.name(),
                        answered.stream().map(TaskRunner.Answered::answer).toList());
                results.put(
                        p.name(),
                        answered.stream().map(TaskRunner.Answered::generation).toList());
                perSecond.put(p.name(), new double[repeat]);
            }
            for (int rep = 0; rep < repeat; rep++) {
                for (Variant p : paths) {
                    long start = System.nanoTime();
                    run(p, inputs);
                    perSecond.get(p.name())[rep] = inputs.size() / ((System.nanoTime() - start) / 1e9);
                }
            }
            Map<String, InGraphCorrections> checked = new LinkedHashMap<>();
            if (results.containsKey(IN_GRAPH_SPANS)) {
                checked.put(
                        IN_GRAPH_SPANS,
                        InGraphCorrections.of(results.get(IN_GRAPH_SPANS), results.get(SPANS_REFERENCE)));
            }
            report(out, json, task, perSecond, answers, checked, maxCorrections, policy);
            if (task.mode() == TaskDefinition.Mode.EXTRACT) {
                SpanBench.report(out, json, cached, spansTask, inputs, answers);
            }
        } finally {
            paths.forEach(p -> p.engine().close());
        }
        return 0;
    }

    private List<ObjectNode> run(Variant path, List<TaskRunner.Input> inputs) {
        TaskRunner runner = new TaskRunner(path.engine(), path.task(), policy);
        return (path.resultCache() ? runner.withResultCache() : runner)
                .submitAll(inputs).stream().map(CompletableFuture::join).toList();
    }

    /** A warm-up run: the answers, each with the engine's result it was made from (the result cache's path has none). */
    private List<TaskRunner.Answered> runKeepingResults(Variant path, List<TaskRunner.Input> inputs) {
        if (path.resultCache()) {
            return run(path, inputs).stream()
                    .map(a -> new TaskRunner.Answered(a, null))
                    .toList();
        }
        return new TaskRunner(path.engine(), path.task(), policy)
                .submitAllKeepingResults(inputs).stream()
                        .map(CompletableFuture::join)
                        .toList();
    }

    private static double meanPromptTokens(InferenceEngine engine, TaskDefinition task, List<TaskRunner.Input> inputs) {
        return inputs.stream()
                .mapToInt(i -> engine.tokenizer().encode(task.prompt(i.text())).length)
                .average()
                .orElse(0);
    }

    private static void report(
            PrintStream out,
            boolean json,
            TaskDefinition task,
            Map<String, double[]> perSecond,
            Map<String, List<ObjectNode>> answers,
            Map<String, InGraphCorrections> checked,
            int maxCorrections,
            DecisionPolicy policy)
            throws Exception {
        List<String> names = List.copyOf(perSecond.keySet());
        String base = names.get(0);
        ObjectNode doc = TaskRunner.JSON.createObjectNode().put("task", task.name());
        ArrayNode rows = doc.putArray("paths");
        if (!json) {
            out.printf("%-14s %14s %28s %10s %18s%n", "path", "records/s", "per repetition", "ratio", "agreement");
        }
        for (String name : names) {
            double[] rates = perSecond.get(name);
            double[] ratios = new double[rates.length];
            for (int i = 0; i < rates.length; i++) {
                ratios[i] = rates[i] / perSecond.get(base)[i];
            }
            Agreement a = Agreement.of(answers.get(base), answers.get(name));
            ObjectNode row = rows.addObject()
                    .put("path", name)
                    .put("records_per_s", median(rates))
                    .put("ratio", median(ratios))
                    .put("same_answers", a.same())
                    .put("records", a.records())
                    .put("max_probability_difference", a.maxProbabilityDifference())
                    .put("cache_hits", TaskRunner.cacheHits(answers.get(name)));
            Arrays.stream(rates).forEach(row.putArray("records_per_s_each")::add);
            Arrays.stream(ratios).forEach(row.putArray("ratio_each")::add);
            if (checked.containsKey(name)) {
                checked.get(name).putOn(row, SPANS_REFERENCE);
            }
            if (policy != null) {
                ObjectNode decisions = row.putObject("decisions");
                TaskRunner.actionCounts(policy.actions(), answers.get(name)).forEach(decisions::put);
            }
            if (!json) {
                out.printf(
                        Locale.ROOT,
                        "%-14s %14.1f %28s %9.2fx %10d/%d same%s%n",
                        name,
                        median(rates),
                        format(rates),
                        median(ratios),
                        a.same(),
                        a.records(),
                        task.mode() == TaskDefinition.Mode.CLASSIFY
                                ? String.format(Locale.ROOT, ", max |dp| %.2e", a.maxProbabilityDifference())
                                : "");
            }
        }
        if (policy != null) {
            doc.put("policy_version", policy.version());
        }
        if (json) {
            out.println(TaskRunner.JSON.writeValueAsString(doc));
        } else {
            if (policy != null) {
                out.print(decisionLines(policy, names, answers));
            }
            checked.forEach((name, figures) -> out.print(figures.lines(name, SPANS_REFERENCE, maxCorrections)));
            if (answers.containsKey("result-cache")) {
                out.printf(
                        Locale.ROOT,
                        "result-cache: %d of %d records answered from an earlier identical text (prefix-cache's engine)%n",
                        TaskRunner.cacheHits(answers.get("result-cache")),
                        answers.get("result-cache").size());
            }
            out.println(
                    "whole-fifo: the whole prompt in arrival-order batches; the others form batches as --batch-formation says."
                            + System.lineSeparator()
                            + "ratio: records/s over whole-fifo's in the same repetition (median); agreement: against whole-fifo");
        }
    }

    /** Each path's count per action, or one line when every path decided alike. */
    private static String decisionLines(
            DecisionPolicy policy, List<String> names, Map<String, List<ObjectNode>> answers) {
        Map<String, Map<String, Integer>> counts = new LinkedHashMap<>();
        names.forEach(n -> counts.put(n, TaskRunner.actionCounts(policy.actions(), answers.get(n))));
        String base = names.get(0);
        String head = "decisions (policy " + policy.version() + "): ";
        if (counts.values().stream().distinct().count() == 1) {
            return head + TaskRunner.describe(counts.get(base)) + " on every path" + System.lineSeparator();
        }
        StringBuilder b = new StringBuilder(head + System.lineSeparator());
        counts.forEach((n, c) -> b.append(String.format(Locale.ROOT, "  %-14s %s%n", n, TaskRunner.describe(c))));
        return b.toString();
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static String format(double[] values) {
        StringBuilder b = new StringBuilder();
        for (double v : values) {
            b.append(b.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.1f", v));
        }
        return b.toString();
    }
}
