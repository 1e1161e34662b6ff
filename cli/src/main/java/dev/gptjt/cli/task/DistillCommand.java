package dev.gptjt.cli;

import dev.gptjt.engine.EngineConfig;
import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.InferenceEngine;
import dev.gptjt.engine.cascade.CascadeCard;
import dev.gptjt.engine.cascade.CascadeFeatures;
import dev.gptjt.engine.cascade.Distiller;
import dev.gptjt.engine.cli.Cli;
import dev.gptjt.engine.task.DefaultTopics;
import dev.gptjt.engine.task.TaskDefinition;
import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
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
 * the task's Classification records, joined by id) — and written as a directory the service loads with
 * {@code gptjt.tasks.NAME.cascade.model}.
 */
@Command(
        name = "distill",
        mixinStandardHelpOptions = true,
        description = {
            "A cheap cascade model for a classify task, trained on GPT-JT's own labels.",
            "Labels a file's texts with the task (or reads a running service's prompts and Classification records),",
            "trains Tribuo's logistic regression on hashed word and character n-grams, holds out a share to report",
            "agreement with GPT-JT per threshold, exports it to ONNX and writes --out for gptjt.tasks.NAME.cascade.model."
        })
final class DistillCommand extends KafkaSideCommand {
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

        @Option(
                names = "--model",
                required = true,
                paramLabel = "DIR",
                converter = Cli.PathConverter.class,
                description = "Model directory that labels the texts.")
        Path model;

        @Option(
                names = "--max-batch-size",
                paramLabel = "N",
                defaultValue = "16",
                description = "Most texts in one batch while labelling (default: ${DEFAULT-VALUE}).")
        int maxBatchSize;
    }

    static final class FromTopic {
        @Option(
                names = "--from-topic",
                required = true,
                description = {
                    "Read the labels from the task's Classification topic instead (those GPT-JT answered, not the",
                    "cascade), with their texts from --prompts-topic, joined by id."
                })
        boolean fromTopic;

        @Option(
                names = "--prompts-topic",
                paramLabel = "TOPIC",
                defaultValue = DefaultTopics.PROMPTS,
                description = "Where the service read the prompts (default: ${DEFAULT-VALUE}).")
        String promptsTopic;

        @Option(
                names = "--timeout",
                paramLabel = "DURATION",
                defaultValue = "30s",
                converter = Cli.DurationConverter.class,
                description = "Longest time to read each topic to its end (default: ${DEFAULT-VALUE}).")
        Duration idle;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Mixin
    KafkaOptions kafka;

    @Option(
            names = "--out",
            required = true,
            paramLabel = "DIR",
            converter = Cli.PathConverter.class,
            description = "Directory to write (model.onnx, features.json, card.json).")
    Path outDir;

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

    @Option(
            names = "--seed",
            paramLabel = "N",
            defaultValue = "42",
            description = "Seed of the held-out split and of training (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        TaskDefinition definition = task.definition();
        if (definition.mode() != TaskDefinition.Mode.CLASSIFY) {
            throw new CliException("--task: " + task.name + " is a "
                    + definition.mode().name().toLowerCase(Locale.ROOT) + " task; a cascade needs a classify task");
        }
        Distiller.Options options;
        try {
            options = new Distiller.Options(CascadeFeatures.DEFAULTS, heldOut, epochs, learningRate, seed);
        } catch (IllegalArgumentException e) {
            throw new CliException("--held-out/--epochs/--learning-rate: " + e.getMessage());
        }
        long start = System.nanoTime();
        List<Distiller.Labeled> examples = source.texts != null
                ? labelTexts(definition, source.texts)
                : HistoryReader.read(kafka, source.topic.promptsTopic, definition, source.topic.idle);
        if (examples.isEmpty()) {
            throw new CliException("no labelled examples to train on");
        }
        double labelSeconds = (System.nanoTime() - start) / 1e9;
        CascadeCard card;
        QUIET_TRIBUO.setLevel(Level.WARNING); // its per-1000-iterations progress lines are not ours to print
        try {
            card = Distiller.distill(definition.name(), definition.labels(), examples, options, outDir);
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
                outDir);
        out.println("held-out agreement with GPT-JT:");
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

    private static List<Distiller.Labeled> labelTexts(TaskDefinition definition, FromTexts from) throws Exception {
        List<TaskRunner.Input> inputs;
        try (BufferedReader in = Files.newBufferedReader(from.file, StandardCharsets.UTF_8)) {
            inputs = TaskRunner.read(in);
        } catch (NoSuchFileException e) {
            throw new CliException("--texts: no file " + from.file);
        }
        EngineConfig config = TaskOptions.engineConfig(
                from.model, from.maxBatchSize, EngineConfig.DEFAULT_BATCH_FORMATION, inputs.size());
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
