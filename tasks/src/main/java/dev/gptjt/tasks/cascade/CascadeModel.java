package dev.gptjt.tasks.cascade;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.ErrorCode;
import dev.gptjt.engine.model.ModelDirectory;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.tribuo.Example;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.data.text.impl.TextFeatureExtractorImpl;
import org.tribuo.interop.onnx.LabelTransformer;
import org.tribuo.interop.onnx.ONNXExternalModel;

/**
 * A distilled cascade model served through Tribuo's {@link ONNXExternalModel} on ONNX Runtime: scores a
 * text in microseconds, in the task's label order. Thread-safe (ONNX Runtime sessions run concurrently).
 *
 * <p>Its directory, as {@link Distiller} writes it: {@code model.onnx} (Tribuo's ONNX export),
 * {@code features.json} ({@link Features}: how texts become features, the feature and label indices of
 * the ONNX input and output) and {@code card.json} ({@link CascadeCard}).
 */
public final class CascadeModel implements AutoCloseable {
    static final String MODEL_FILE = "model.onnx";
    static final String FEATURES_FILE = "features.json";
    static final String CARD_FILE = "card.json";
    static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /**
     * What {@code features.json} holds.
     *
     * @param settings     the text features
     * @param featureNames feature names in the ONNX input's column order
     * @param outputLabels labels in the ONNX output's column order
     */
    record Features(CascadeFeatures settings, List<String> featureNames, List<String> outputLabels) {}

    /**
     * A text's scores.
     *
     * @param best          index in {@link #labels()} of the most probable label
     * @param probabilities per label of {@link #labels()}; all equal when the text has no feature the model knows
     */
    public record Scores(int best, double[] probabilities) {
        public double top() {
            return probabilities[best];
        }
    }

    private final String name;
    private final String sha256;
    private final CascadeCard card;
    private final TextFeatureExtractorImpl<Label> extractor;
    private final ONNXExternalModel<Label> model;

    private CascadeModel(
            String name,
            String sha256,
            CascadeCard card,
            TextFeatureExtractorImpl<Label> extractor,
            ONNXExternalModel<Label> model) {
        this.name = name;
        this.sha256 = sha256;
        this.card = card;
        this.extractor = extractor;
        this.model = model;
    }

    /**
     * Loads a cascade directory.
     *
     * @throws EngineException {@link ErrorCode#MODEL_INVALID} when a file is missing, unreadable or
     *     inconsistent (naming the file)
     */
    public static CascadeModel open(Path dir) {
        Path onnx = dir.resolve(MODEL_FILE);
        CascadeCard card = read(dir.resolve(CARD_FILE), CascadeCard.class);
        Features features = read(dir.resolve(FEATURES_FILE), Features.class);
        if (features.settings() == null
                || features.featureNames() == null
                || features.outputLabels() == null
                || card.labels() == null
                || !card.labels().containsAll(features.outputLabels())) {
            throw new EngineException(
                    ErrorCode.MODEL_INVALID,
                    "cascade " + dir + ": " + FEATURES_FILE + " and " + CARD_FILE + " do not describe one model");
        }
        if (!Files.isRegularFile(onnx)) {
            throw new EngineException(ErrorCode.MODEL_INVALID, "cascade " + dir + ": no " + MODEL_FILE);
        }
        Map<String, Integer> featureIds = new HashMap<>();
        for (int i = 0; i < features.featureNames().size(); i++) {
            featureIds.put(features.featureNames().get(i), i);
        }
        Map<Label, Integer> outputIds = new HashMap<>();
        for (int i = 0; i < features.outputLabels().size(); i++) {
            outputIds.put(new Label(features.outputLabels().get(i)), i);
        }
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        try {
            // a linear model: one thread, none taken from the engine
            options.setIntraOpNumThreads(1);
            options.setInterOpNumThreads(1);
            ONNXExternalModel<Label> model = ONNXExternalModel.createOnnxModel(
                    new LabelFactory(),
                    featureIds,
                    outputIds,
                    new BufferTransformer(),
                    new LabelTransformer(true),
                    options,
                    onnx,
                    "input");
            return new CascadeModel(
                    ModelDirectory.nameOf(dir),
                    ModelDirectory.sha256(onnx),
                    card,
                    features.settings().extractor(),
                    model);
        } catch (OrtException | RuntimeException e) {
            options.close(); // the model owns them once it exists
            throw new EngineException(
                    ErrorCode.MODEL_INVALID,
                    "cascade " + dir + ": " + MODEL_FILE + " does not load: " + e.getMessage(),
                    e);
        }
    }

    private static <T> T read(Path file, Class<T> type) {
        try {
            return JSON.readValue(file.toFile(), type);
        } catch (NoSuchFileException | FileNotFoundException e) {
            throw new EngineException(
                    ErrorCode.MODEL_INVALID, "cascade: no " + file + " (not a 'gptjt distill' directory?)");
        } catch (IOException e) {
            throw new EngineException(
                    ErrorCode.MODEL_INVALID, "cascade: " + file + " is not readable: " + e.getMessage(), e);
        }
    }

    /** The directory's name, as results name the model that answered. */
    public String name() {
        return name;
    }

    /** SHA-256 of its {@code model.onnx}, lowercase hex. */
    public String sha256() {
        return sha256;
    }

    public CascadeCard card() {
        return card;
    }

    /** The labels scores are given for: the task's, as distilled. */
    public List<String> labels() {
        return card.labels();
    }

    /** Scores one text. */
    public Scores score(String text) {
        return score(List.of(text)).get(0);
    }

    /** Scores texts in one ONNX Runtime run. */
    public List<Scores> score(List<String> texts) {
        List<Example<Label>> examples = new ArrayList<>(texts.size());
        List<Integer> known = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            Example<Label> e = extractor.extract(LabelFactory.UNKNOWN_LABEL, texts.get(i));
            if (knowsAny(e)) {
                examples.add(e);
                known.add(i);
            }
        }
        Scores[] out = new Scores[texts.size()];
        if (!examples.isEmpty()) {
            List<Prediction<Label>> predictions = model.predict(examples);
            for (int k = 0; k < predictions.size(); k++) {
                out[known.get(k)] = scores(predictions.get(k));
            }
        }
        double uniform = 1.0 / labels().size();
        for (int i = 0; i < out.length; i++) {
            if (out[i] == null) { // nothing the model has seen: no opinion, so never confident
                double[] p = new double[labels().size()];
                Arrays.fill(p, uniform);
                out[i] = new Scores(0, p);
            }
        }
        return List.of(out);
    }

    private boolean knowsAny(Example<Label> e) {
        for (var f : e) {
            if (model.getFeatureIDMap().getID(f.getName()) >= 0) {
                return true;
            }
        }
        return false;
    }

    private Scores scores(Prediction<Label> prediction) {
        List<String> labels = labels();
        double[] p = new double[labels.size()];
        int best = 0;
        for (int i = 0; i < p.length; i++) {
            Label l = prediction.getOutputScores().get(labels.get(i));
            p[i] = l == null ? 0 : l.getScore();
            if (p[i] > p[best]) {
                best = i;
            }
        }
        return new Scores(best, p);
    }

    @Override
    public void close() {
        model.close(); // closes the session and its options too
    }
}
