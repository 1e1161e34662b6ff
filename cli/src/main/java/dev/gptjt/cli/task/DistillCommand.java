package dev.gptjt.cli.task;

import dev.gptjt.cli.Cli;
import dev.gptjt.cli.CliException;
import dev.gptjt.cli.CommonOptions;
import dev.gptjt.cli.EngineOptions;
import dev.gptjt.cli.IoCommand;
import dev.gptjt.cli.KafkaOptions;
import dev.gptjt.cli.ModelOption;
import dev.gptjt.cli.OptionDefaults;
import dev.gptjt.cli.kafka.HistoryReader;
import dev.gptjt.cli.kafka.TrainingLabels;
import dev.gptjt.engine.EngineConfig;
import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.InferenceEngine;
import dev.gptjt.tasks.DefaultTopics;
import dev.gptjt.tasks.TaskDefinition;
import dev.gptjt.tasks.cascade.CascadeCard;
import dev.gptjt.tasks.cascade.CascadeFeatures;
import dev.gptjt.tasks.cascade.Distiller;
import dev.gptjt.tools.task.TaskRunner;
import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code gptjt distill}: a cascade model for a classify task, trained on GPT-JT's own labels — of a file's
 * texts (labelled here by the task's classify path), or of a running service's history (its prompts and
 * the task's Classification records, joined by id, with reviewers' verdicts taking precedence over GPT-JT's
 * labels) — and written as a directory the service loads with
 * {@code gptjt.tasks.NAME.cascade.model}.
 */
@OptionDefaults({"--timeout=30s", "--seed=42"})
@Command(
        name = "distill",
        mixinStandardHelpOptions = true,
        description = {
            "A cheap cascade model for a classify task, trained on GPT-JT's own labels.",
            "Labels a file's texts with the task (or reads a running service's prompts,",
            "Classification records and reviewers' verdicts, which take precedence over",
            "GPT-JT's labels), trains Tribuo's logistic regression on hashed word and",
            "character n-grams, holds out a share to report agreement with the labels per",
            "threshold, exports it to ONNX and writes --out for the service's",
            "gptjt.tasks.NAME.cascade.model. --out gets model.onnx, features.json and",
            "card.json; --model and the batching options label --texts; --timeout bounds",
            "reading each topic to its end with --from-topic, which prints how many labels",
            "came from GPT-JT and how many from reviewers; --seed seeds the held-out split",
            "and training."
        })
public final class DistillCommand extends IoCommand {
    private static final Logger QUIET_TRIBUO = Logger.getLogger("org.tribuo");

    @Mixin
    TaskChoice task;

    /** Where the labels come from: texts labelled here, or the service's history. */
    static final class Source {
        @ArgGroup(exclusive = false, multiplicity = "1")
        FromTexts texts;

        @ArgGroup(exclusive = false, multiplicity = "1")
        FromTopic topic;
    }

    static final class FromTexts {
        @Option(
                names = "--texts",
                required = true,
                paramLabel = "FILE.jsonl",
                converter = Cli.PathConverter.class,
                description = "{\"text\"} lines to label with the task's classify path (--model).")
        Path file;
    }

    static final class FromTopic {
        @Option(
                names = "--from-topic",
                required = true,
                description = "Read the labels from the task's Classification topic instead (those GPT-JT answered,"
                        + " not the cascade) and reviewers' verdicts from --verdicts-topic, with their texts from"
                        + " --prompts-topic, joined by id.")
        boolean fromTopic;

        @Option(
                names = "--prompts-topic",
                paramLabel = "TOPIC",
                defaultValue = DefaultTopics.PROMPTS,
                description = "Where the service read the prompts (default: ${DEFAULT-VALUE}).")
        String promptsTopic;

        @Option(
                names = "--verdicts-topic",
                paramLabel = "TOPIC",
                defaultValue = DefaultTopics.VERDICTS,
                description = "Reviewers' ReviewVerdict records, whose labels take precedence over GPT-JT's (of two"
                        + " on one id, the later decided_at); none when the topic does not exist"
                        + " (default: ${DEFAULT-VALUE}).")
        String verdictsTopic;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    /** Labels the texts of {@code --texts}. */
    @Mixin
    ModelOption model;

    /** Batches while labelling {@code --texts}. */
    @Mixin
    EngineOptions.Batching batching;

    @Mixin
    KafkaOptions kafka;

    /** With {@code --from-topic}: the longest time to read each topic to its end. */
    @Mixin
    CommonOptions.Timeout timeout;

    @Mixin
    CommonOptions.OutDir outDir;

    @Option(
            names = "--held-out",
            paramLabel = "SHARE",
            defaultValue = "0.2",
            description = "Share of the examples held out to report agreement (default: ${DEFAULT-VALUE}).")
    double heldOut;

    @Option(
            names = "--epochs",
            paramLabel = "N",
            defaultValue = "3",
            description = {
                "SGD passes over the training examples (default: ${DEFAULT-VALUE}); more, or a higher --learning-rate,",
                "makes the model surer of everything, its mistakes too."
            })
    int epochs;

    @Option(
            names = "--learning-rate",
            paramLabel = "RATE",
            defaultValue = "0.2",
            description = "AdaGrad's initial learning rate (default: ${DEFAULT-VALUE}).")
    double learningRate;

    @Mixin
    CommonOptions.Seed seed;

    @Override
    public Integer call() throws Exception {
        TaskDefinition definition = task.definition();
        if (definition.mode() != TaskDefinition.Mode.CLASSIFY) {
            throw new CliException("--task: " + definition.name() + " is a "
                    + definition.mode().name().toLowerCase(Locale.ROOT) + " task; a cascade needs a classify task");
        }
        if (seed.seed() == null) {
            throw usage("--seed: distill needs a number (the held-out split and training are seeded)");
        }
        Distiller.Options options;
        try {
            options = new Distiller.Options(CascadeFeatures.DEFAULTS, heldOut, epochs, learningRate, seed.seed());
        } catch (IllegalArgumentException e) {
            throw new CliException("--held-out/--epochs/--learning-rate: " + e.getMessage());
        }
        if (source.topic != null && model.given()) {
            throw usage("--model labels --texts; with --from-topic the service's answers are the labels");
        }
        if (source.texts != null) {
            model.required(); // a usage mistake before any text is read
        }
        long start = System.nanoTime();
        TrainingLabels.TrainingSet history = source.texts != null
                ? null
                : HistoryReader.read(
                        kafka, source.topic.promptsTopic, source.topic.verdictsTopic, definition, timeout.timeout());
        List<Distiller.Labeled> examples = history != null ? history.examples() : labelTexts(definition, source.texts);
        if (examples.isEmpty()) {
            throw new CliException("no labelled examples to train on");
        }
        double labelSeconds = (System.nanoTime() - start) / 1e9;
        CascadeCard card;
        QUIET_TRIBUO.setLevel(Level.WARNING); // its per-1000-iterations progress lines are not ours to print
        try {
            card = Distiller.distill(definition.name(), definition.labels(), examples, options, outDir.dir());
        } catch (EngineException e) {
            throw new CliException(e.getMessage());
        }
        out.printf(
                Locale.ROOT,
                "distilled %s: %d examples (%s, %.1f s), %d trained on, %d held out; written to %s%n",
                definition.name(),
                examples.size(),
                source.texts != null ? "labelled by the task" : "read from the service's topics",
                labelSeconds,
                card.trainingExamples(),
                card.heldOutExamples(),
                outDir.dir());
        if (history != null) {
            printSources(history);
        }
        out.println(
                history != null && history.fromReviewers() > 0
                        ? "held-out agreement with the labels (GPT-JT's and reviewers'):"
                        : "held-out agreement with GPT-JT:");
        out.printf("%10s %10s %10s%n", "threshold", "coverage", "agreement");
        for (CascadeCard.ThresholdFigures f : card.heldOut()) {
            out.printf(Locale.ROOT, "%10.2f %9.1f%% %9.1f%%%n", f.threshold(), 100 * f.coverage(), 100 * f.agreement());
        }
        out.printf(
                Locale.ROOT,
                "calibration error %.3f; ONNX export vs Tribuo: max |dp| %.1e%n",
                card.calibrationError(),
                card.onnxMaxDifference());
        return 0;
    }

    /** Where the labels came from, and the verdicts that could not be used. */
    private void printSources(TrainingLabels.TrainingSet history) {
        out.printf(
                Locale.ROOT,
                "read: %d prompts, %d answers, %d verdicts%n",
                history.read().prompts(),
                history.read().answers(),
                history.read().verdicts());
        out.printf(
                Locale.ROOT,
                "labels: %d from GPT-JT, %d from reviewers (%d overrode GPT-JT's label)%n",
                history.fromModel(),
                history.fromReviewers(),
                history.overridden());
        if (!history.verdictsTopicFound()) {
            out.println("no verdicts: topic " + source.topic.verdictsTopic + " does not exist");
        }
        if (history.verdictsSkipped() > 0) {
            out.printf(
                    Locale.ROOT,
                    "%d verdicts skipped: their label is not one of the task's%n",
                    history.verdictsSkipped());
        }
        if (history.verdictsWithoutPrompt() > 0) {
            out.printf(
                    Locale.ROOT,
                    "%d verdicts on ids whose prompt was not read (no text to train on)%n",
                    history.verdictsWithoutPrompt());
        }
        if (history.labelsWithoutPrompt() > 0) {
            out.printf(
                    Locale.ROOT,
                    "%d of GPT-JT's labels on ids whose prompt was not read (no text to train on)%n",
                    history.labelsWithoutPrompt());
        }
    }

    private List<Distiller.Labeled> labelTexts(TaskDefinition definition, FromTexts from) throws Exception {
        List<TaskRunner.Input> inputs;
        try (BufferedReader in = Files.newBufferedReader(from.file, StandardCharsets.UTF_8)) {
            inputs = TaskRunner.read(in);
        } catch (NoSuchFileException e) {
            throw new CliException("--texts: no file " + from.file);
        }
        EngineConfig config = batching.applyTo(EngineConfig.defaults(model.required()), inputs.size());
        List<String> texts = inputs.stream().map(TaskRunner.Input::text).toList();
        List<String> labels;
        try (InferenceEngine engine = InferenceEngine.open(config)) {
            engine.cachePrefix(definition.prefix());
            labels = new TaskRunner(engine, definition).labels(texts);
        }
        List<Distiller.Labeled> out = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            out.add(new Distiller.Labeled(texts.get(i), labels.get(i)));
        }
        return out;
    }
}
