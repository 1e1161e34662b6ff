package dev.gptjt.tasks.cascade;

import com.oracle.labs.mlrg.olcut.util.Pair;
import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.ErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.tribuo.Example;
import org.tribuo.ImmutableFeatureMap;
import org.tribuo.MutableDataset;
import org.tribuo.Prediction;
import org.tribuo.VariableIDInfo;
import org.tribuo.VariableInfo;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.classification.sgd.linear.LinearSGDModel;
import org.tribuo.classification.sgd.linear.LinearSGDTrainer;
import org.tribuo.classification.sgd.objectives.LogMulticlass;
import org.tribuo.data.text.impl.TextFeatureExtractorImpl;
import org.tribuo.math.optimisers.AdaGrad;
import org.tribuo.provenance.SimpleDataSourceProvenance;

/**
 * Distils a classify task into a cascade model: a Tribuo logistic-regression classifier
 * ({@link LinearSGDTrainer}, {@link LogMulticlass}, AdaGrad) trained on GPT-JT's own labels over hashed word and
 * character n-grams, checked on a held-out share, exported to ONNX (Tribuo's {@code ONNXExportable}) and
 * written as a directory {@link CascadeModel} loads.
 */
public final class Distiller {
    /** A text and the label GPT-JT gave it. */
    public record Labeled(String text, String label) {}

    /**
     * @param features     the text features
     * @param heldOutShare share of the examples held out from training and scored (0 < share < 1)
     * @param epochs       passes of SGD over the training examples
     * @param learningRate AdaGrad's initial learning rate. With {@code epochs}, what keeps the probabilities
     *                     honest: trained longer or faster, the model is sure of records it gets wrong, and a
     *                     threshold on its probability means less (BENCHMARKS.md, the cascade)
     * @param seed         the split's and training's seed
     */
    public record Options(CascadeFeatures features, double heldOutShare, int epochs, double learningRate, long seed) {
        public static final Options DEFAULTS = new Options(CascadeFeatures.DEFAULTS, 0.2, 3, 0.2, 42L);

        public Options {
            if (!(heldOutShare > 0 && heldOutShare < 1) || epochs < 1 || !(learningRate > 0)) {
                throw new IllegalArgumentException(
                        "held-out share in (0, 1), epochs >= 1, learning rate > 0; got " + this);
            }
        }
    }

    private Distiller() {}

    /**
     * Trains, checks and writes a cascade for {@code task} into {@code out} (created; files replaced).
     *
     * @param labels the task's labels; every example's label must be one of them
     * @return the card written
     * @throws EngineException {@link ErrorCode#INVALID_PARAMETER} when an example's label is not the task's,
     *     or the examples are too few to hold some out; {@link ErrorCode#MODEL_INVALID} when writing fails
     */
    public static CascadeCard distill(
            String task, List<String> labels, List<Labeled> examples, Options options, Path out) {
        for (Labeled e : examples) {
            if (!labels.contains(e.label())) {
                throw new EngineException(
                        ErrorCode.INVALID_PARAMETER,
                        "label '" + e.label() + "' is not one of task " + task + "'s " + labels);
            }
        }
        List<Labeled> shuffled = new ArrayList<>(examples);
        Collections.shuffle(shuffled, new Random(options.seed()));
        int heldOutCount = (int) Math.round(shuffled.size() * options.heldOutShare());
        if (heldOutCount < 1 || heldOutCount >= shuffled.size()) {
            throw new EngineException(
                    ErrorCode.INVALID_PARAMETER,
                    "too few examples (" + examples.size() + ") to train on some and hold some out");
        }
        List<Labeled> heldOut = shuffled.subList(0, heldOutCount);
        List<Labeled> training = shuffled.subList(heldOutCount, shuffled.size());

        TextFeatureExtractorImpl<Label> extractor = options.features().extractor();
        LabelFactory factory = new LabelFactory();
        MutableDataset<Label> dataset =
                new MutableDataset<>(new SimpleDataSourceProvenance("gptjt distill " + task, factory), factory);
        for (Labeled e : training) {
            dataset.add(extractor.extract(new Label(e.label()), e.text()));
        }
        LinearSGDTrainer trainer = new LinearSGDTrainer(
                new LogMulticlass(), new AdaGrad(options.learningRate(), 0.1), options.epochs(), options.seed());
        LinearSGDModel model = (LinearSGDModel) trainer.train(dataset);

        try {
            Files.createDirectories(out);
            model.saveONNXModel("dev.gptjt.cascade", 1, out.resolve(CascadeModel.MODEL_FILE));
            CascadeModel.JSON.writeValue(
                    out.resolve(CascadeModel.FEATURES_FILE).toFile(),
                    new CascadeModel.Features(
                            options.features(), featureNames(model.getFeatureIDMap()), outputLabels(model)));
            // a provisional card, so the directory opens; the held-out figures below replace it
            CascadeCard card = new CascadeCard(
                    task,
                    labels,
                    training.size(),
                    heldOut.size(),
                    List.of(),
                    0,
                    0,
                    options.features(),
                    Instant.now().toString());
            CascadeModel.JSON.writeValue(out.resolve(CascadeModel.CARD_FILE).toFile(), card);
            try (CascadeModel served = CascadeModel.open(out)) {
                card = check(card, model, extractor, served, heldOut);
            }
            CascadeModel.JSON.writeValue(out.resolve(CascadeModel.CARD_FILE).toFile(), card);
            return card;
        } catch (IOException e) {
            throw new EngineException(
                    ErrorCode.MODEL_INVALID, "cannot write the cascade to " + out + ": " + e.getMessage(), e);
        }
    }

    /** The held-out figures, scored by the served (ONNX) model, and how far it is from Tribuo's own. */
    private static CascadeCard check(
            CascadeCard card,
            LinearSGDModel model,
            TextFeatureExtractorImpl<Label> extractor,
            CascadeModel served,
            List<Labeled> heldOut) {
        List<CascadeModel.Scores> scores =
                served.score(heldOut.stream().map(Labeled::text).toList());
        double[] top = new double[heldOut.size()];
        boolean[] same = new boolean[heldOut.size()];
        double maxDifference = 0;
        List<String> labels = served.labels();
        for (int i = 0; i < heldOut.size(); i++) {
            CascadeModel.Scores s = scores.get(i);
            top[i] = s.top();
            same[i] = labels.get(s.best()).equals(heldOut.get(i).label());
            Example<Label> example =
                    extractor.extract(LabelFactory.UNKNOWN_LABEL, heldOut.get(i).text());
            Prediction<Label> own;
            try {
                own = model.predict(example);
            } catch (IllegalArgumentException noKnownFeature) {
                continue; // served answers uniform probabilities for such a text; nothing to compare
            }
            for (int j = 0; j < labels.size(); j++) {
                Label l = own.getOutputScores().get(labels.get(j));
                double p = l == null ? 0 : l.getScore();
                maxDifference = Math.max(maxDifference, Math.abs(p - s.probabilities()[j]));
            }
        }
        return new CascadeCard(
                card.task(),
                card.labels(),
                card.trainingExamples(),
                card.heldOutExamples(),
                CascadeCard.figures(top, same),
                CascadeCard.calibrationError(top, same),
                maxDifference,
                card.features(),
                card.createdAt());
    }

    private static List<String> featureNames(ImmutableFeatureMap map) {
        String[] names = new String[map.size()];
        for (VariableInfo v : map) {
            names[((VariableIDInfo) v).getID()] = v.getName();
        }
        return List.of(names);
    }

    private static List<String> outputLabels(LinearSGDModel model) {
        String[] labels = new String[model.getOutputIDInfo().size()];
        for (Pair<Integer, Label> p : model.getOutputIDInfo()) {
            labels[p.getA()] = p.getB().getLabel();
        }
        return List.of(labels);
    }
}
