package dev.gptjt.engine.internal.ort;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.gptjt.engine.internal.PreparedRequest;
import java.util.List;

/**
 * Scores classifications: each row's labels' summed token log-probabilities after its prompt. Two
 * implementations give the same sums (within float rounding): {@link TokenLoopLabelScorer} on the Java
 * token loop, and {@link InGraphClassifyBackend} in one run of the converted classification graph.
 */
interface LabelScorer {
    /**
     * @return {@code scores[i][j]}: row i's label j, in the row's label order
     * @throws OrtException when ONNX Runtime fails or the run is terminated
     */
    double[][] score(List<PreparedRequest.Classification> rows, OrtSession.RunOptions run) throws OrtException;
}
