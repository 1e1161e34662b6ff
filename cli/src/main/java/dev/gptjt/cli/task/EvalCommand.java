package dev.gptjt.cli.task;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gptjt.cli.Cli;
import dev.gptjt.cli.CliException;
import dev.gptjt.cli.IoCommand;
import dev.gptjt.engine.ClassificationRequest;
import dev.gptjt.engine.EngineConfig;
import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.GenerationParams;
import dev.gptjt.engine.GenerationRequest;
import dev.gptjt.engine.InferenceEngine;
import dev.gptjt.tasks.TaskDefinition;
import dev.gptjt.tasks.cascade.CascadeModel;
import dev.gptjt.tools.task.Agreement;
import dev.gptjt.tools.task.CascadeEval;
import dev.gptjt.tools.task.TaskRunner;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.classification.baseline.DummyClassifierTrainer;
import org.tribuo.classification.evaluation.LabelEvaluation;
import org.tribuo.classification.evaluation.LabelEvaluator;
import org.tribuo.impl.ArrayExample;
import org.tribuo.provenance.SimpleDataSourceProvenance;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code gptjt eval}: runs a task over labeled texts ({@code {"text", "label"}} lines) and reports
 * accuracy, macro-F1 and the confusion matrix with Tribuo's {@link LabelEvaluator}.
 *
 * <p>Tribuo evaluates predictions against a {@link Model} that defines the label domain; GPT-J is
 * not a Tribuo model, so a constant {@link DummyClassifierTrainer} model trained on one example per
 * label stands in as that domain. The predictions themselves are GPT-J's.
 */
@Command(
        name = "eval",
        mixinStandardHelpOptions = true,
        description = {
            "A task's accuracy, macro-F1 and confusion matrix on labeled lines.",
            "Reads {\"text\", \"label\"} lines; Tribuo's LabelEvaluator scores the answers, and a generated answer that is",
            "no label counts as (other)."
        })
public final class EvalCommand extends IoCommand {
    /** The label of a generated answer that is none of the task's labels. */
    static final String OTHER = "(other)";

    /** How the task is answered. */
    enum Mode {
        CLASSIFY,
        GENERATE
    }

    @Mixin
    TaskOptions options;

    @Option(
            names = "--mode",
            paramLabel = "classify|generate",
            description =
                    "Score the labels (classify), or generate up to a newline and compare (default: the task's own mode).")
    Mode modeOption;

    @Option(
            names = "--cascade",
            paramLabel = "DIR2",
            converter = Cli.PathConverter.class,
            description = {
                "Also a distilled cascade ('gptjt distill'): per threshold, its coverage, agreement with GPT-JT,",
                "the accuracy of cascade + GPT-JT and both's classifications/s, in the same run."
            })
    Path cascade;

    @Option(
            names = "--compare",
            paramLabel = "DIR_B",
            converter = Cli.PathConverter.class,
            description = {
                "Instead: run the task on --model and on DIR_B (e.g. its --quantize int4 conversion) over the",
                "input lines and print how often they answer alike (labels and largest probability difference for",
                "classify; exact matches for extract and generate). Lines need only \"text\"."
            })
    Path compare;

    @Override
    public Integer call() throws IOException {
        options.model(); // a missing --model is a usage mistake before any input is read
        BufferedReader in = lines();
        TaskDefinition task = options.definition();
        if (compare != null) {
            return compare(task, TaskRunner.read(in));
        }
        String name = task.name();
        if (task.labels().isEmpty()) {
            throw new CliException("task " + name + " has no labels to evaluate against");
        }
        Mode chosen = modeOption != null
                ? modeOption
                : task.mode() == TaskDefinition.Mode.CLASSIFY ? Mode.CLASSIFY : Mode.GENERATE;
        String mode = chosen.name().toLowerCase(Locale.ROOT);
        List<String[]> examples = read(in);
        if (examples.isEmpty()) {
            throw new CliException("no labeled lines on stdin (expected {\"text\": ..., \"label\": ...} per line)");
        }
        int batch = options.batching().maxBatchSize();
        EngineConfig engineConfig = options.engineConfig(examples.size());
        List<String> predicted = new ArrayList<>();
        long start = System.nanoTime();
        try (InferenceEngine engine = InferenceEngine.open(engineConfig)) {
            List<CompletableFuture<String>> futures = new ArrayList<>();
            for (String[] e : examples) {
                String prompt = task.prompt(e[0]);
                futures.add(
                        mode.equals("classify")
                                ? engine.classify(new ClassificationRequest(
                                                e[0], prompt, task.continuations(), task.lengthNormalized()))
                                        .thenApply(r -> r.label().strip())
                                : engine.submit(new GenerationRequest(
                                                e[0],
                                                prompt,
                                                GenerationParams.DEFAULTS
                                                        .withMaxNewTokens(task.labels().stream()
                                                                        .mapToInt(l -> engine.tokenizer()
                                                                                .encode(" " + l)
                                                                                .length)
                                                                        .max()
                                                                        .orElse(1)
                                                                + 2)
                                                        .withStop(List.of("\n"))))
                                        .thenApply(r -> r.text().strip()));
            }
            futures.forEach(f -> predicted.add(f.join()));
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        LabelEvaluation evaluation = evaluate(task.labels(), examples, predicted);
        out.printf("task %s, mode %s, %d examples, %.1f s%n", name, mode, examples.size(), seconds);
        out.printf("accuracy  %.4f%n", evaluation.accuracy());
        out.printf("macro-F1  %.4f%n", evaluation.macroAveragedF1());
        out.println("confusion matrix (rows: true label, columns: predicted):");
        out.println(evaluation.getConfusionMatrix());
        if (cascade != null) {
            if (!mode.equals("classify")) {
                throw new CliException("--cascade: needs --mode classify");
            }
            try (CascadeModel model = CascadeModel.open(cascade)) {
                CascadeEval.run(out, engineConfig, task, model, examples);
            } catch (EngineException e) {
                throw new CliException("--cascade: " + e.getMessage());
            }
        }
        return 0;
    }

    /** Both models over the same inputs, record by record. */
    private int compare(TaskDefinition task, List<TaskRunner.Input> inputs) {
        if (inputs.isEmpty()) {
            throw new CliException("no input lines on stdin (expected {\"text\": ...} per line)");
        }
        List<List<ObjectNode>> answers = new ArrayList<>();
        List<Double> seconds = new ArrayList<>();
        for (Path dir : List.of(options.model(), compare)) {
            EngineConfig config = options.engineConfig(dir, inputs.size());
            try (InferenceEngine engine = InferenceEngine.open(config)) {
                engine.cachePrefix(task.prefix());
                long start = System.nanoTime();
                answers.add(new TaskRunner(engine, task)
                        .submitAll(inputs).stream().map(CompletableFuture::join).toList());
                seconds.add((System.nanoTime() - start) / 1e9);
            }
        }
        Agreement a = Agreement.of(answers.get(0), answers.get(1));
        out.printf(
                Locale.ROOT,
                "task %s (%s), %d inputs: %s %.1f records/s, %s %.1f records/s%n",
                task.name(),
                task.mode().name().toLowerCase(Locale.ROOT),
                inputs.size(),
                options.model().getFileName(),
                inputs.size() / seconds.get(0),
                compare.getFileName(),
                inputs.size() / seconds.get(1));
        out.printf(
                Locale.ROOT,
                "%s: %d/%d (%.1f%%)%s%n",
                task.mode() == TaskDefinition.Mode.CLASSIFY ? "same label" : "exact match",
                a.same(),
                a.records(),
                100.0 * a.same() / a.records(),
                task.mode() == TaskDefinition.Mode.CLASSIFY
                        ? String.format(
                                Locale.ROOT, ", largest probability difference %.2e", a.maxProbabilityDifference())
                        : "");
        return 0;
    }

    private static List<String[]> read(BufferedReader in) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<String[]> out = new ArrayList<>();
        int lineNo = 0;
        for (String line; (line = in.readLine()) != null; ) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            JsonNode n = json.readTree(line);
            if (n == null || !n.hasNonNull("text") || !n.hasNonNull("label")) {
                throw new CliException("line " + lineNo + " needs \"text\" and \"label\"");
            }
            out.add(new String[] {n.get("text").asText(), n.get("label").asText()});
        }
        return out;
    }

    /** Tribuo's evaluation of GPT-J's answers against the true labels. */
    static LabelEvaluation evaluate(List<String> labels, List<String[]> examples, List<String> predicted) {
        LabelFactory factory = new LabelFactory();
        Set<String> domain = new LinkedHashSet<>(labels);
        examples.forEach(e -> domain.add(e[1]));
        if (predicted.stream().anyMatch(p -> !domain.contains(p))) {
            domain.add(OTHER);
        }
        MutableDataset<Label> domainData =
                new MutableDataset<>(new SimpleDataSourceProvenance("gptjt task labels", factory), factory);
        domain.forEach(l -> domainData.add(example(l)));
        Model<Label> domainModel =
                DummyClassifierTrainer.createConstantTrainer(labels.get(0)).train(domainData);
        List<Prediction<Label>> predictions = new ArrayList<>();
        for (int i = 0; i < examples.size(); i++) {
            String p = domain.contains(predicted.get(i)) ? predicted.get(i) : OTHER;
            predictions.add(new Prediction<>(new Label(p), 1, example(examples.get(i)[1])));
        }
        return new LabelEvaluator()
                .evaluate(domainModel, predictions, new SimpleDataSourceProvenance("gptjt eval", factory));
    }

    private static ArrayExample<Label> example(String truth) {
        return new ArrayExample<>(new Label(truth), new String[] {"bias"}, new double[] {1.0});
    }
}
