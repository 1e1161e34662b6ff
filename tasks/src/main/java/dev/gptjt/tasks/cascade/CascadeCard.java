package dev.gptjt.tasks.cascade;

import java.util.List;

/**
 * What a distilled cascade is ({@code card.json} in its directory): written by {@link Distiller},
 * read by {@link CascadeModel} to refuse a task it was not made for.
 *
 * @param task               the task it was distilled for
 * @param labels             the task's labels at distillation, in the task's order
 * @param trainingExamples   examples it was trained on
 * @param heldOutExamples    examples held out and scored below
 * @param heldOut            coverage and agreement with GPT-JT on the held-out examples, per threshold
 * @param calibrationError   expected calibration error of its top probability on the held-out examples
 *                           (10 equal-width bins; 0 is perfectly calibrated)
 * @param onnxMaxDifference  largest difference between the Tribuo model's and its ONNX export's
 *                           probabilities on the held-out examples
 * @param features           how texts become features
 * @param createdAt          ISO-8601 instant of distillation
 */
public record CascadeCard(
        String task,
        List<String> labels,
        int trainingExamples,
        int heldOutExamples,
        List<ThresholdFigures> heldOut,
        double calibrationError,
        double onnxMaxDifference,
        CascadeFeatures features,
        String createdAt) {

    /** The thresholds a card and {@code eval --cascade} report. */
    public static final List<Double> THRESHOLDS = List.of(0.9, 0.95, 0.97, 0.99);

    /**
     * @param threshold   the min-probability
     * @param coverage    share of records whose top probability reaches it (the cascade answers them)
     * @param agreement   share of those where the cascade's label is GPT-JT's (1 when none reach it)
     */
    public record ThresholdFigures(double threshold, double coverage, double agreement) {}

    /** Coverage and agreement at each of {@link #THRESHOLDS}: {@code top[i]} the cascade's top probability, {@code same[i]} whether its label is GPT-JT's. */
    public static List<ThresholdFigures> figures(double[] top, boolean[] same) {
        return THRESHOLDS.stream().map(t -> figures(t, top, same)).toList();
    }

    static ThresholdFigures figures(double threshold, double[] top, boolean[] same) {
        int covered = 0;
        int agreed = 0;
        for (int i = 0; i < top.length; i++) {
            if (top[i] >= threshold) {
                covered++;
                agreed += same[i] ? 1 : 0;
            }
        }
        return new ThresholdFigures(
                threshold,
                top.length == 0 ? 0 : (double) covered / top.length,
                covered == 0 ? 1 : (double) agreed / covered);
    }

    /** Expected calibration error: the gap between confidence and accuracy, weighted over 10 bins of confidence. */
    static double calibrationError(double[] top, boolean[] same) {
        double[] confidence = new double[10];
        double[] correct = new double[10];
        int[] count = new int[10];
        for (int i = 0; i < top.length; i++) {
            int bin = Math.min(9, (int) (top[i] * 10));
            confidence[bin] += top[i];
            correct[bin] += same[i] ? 1 : 0;
            count[bin]++;
        }
        double error = 0;
        for (int b = 0; b < 10; b++) {
            if (count[b] > 0) {
                error += Math.abs(confidence[b] - correct[b]) / Math.max(1, top.length);
            }
        }
        return error;
    }
}
