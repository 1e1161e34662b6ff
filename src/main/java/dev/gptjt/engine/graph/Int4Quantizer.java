package dev.gptjt.engine.graph;

import ai.onnx.proto.OnnxMl;
import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.ErrorCode;
import dev.gptjt.engine.model.ModelDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Rewrites every MatMul whose weight is a constant initializer {@code [K, N]} (directly, or through a
 * {@code Transpose} of one) into ONNX Runtime's {@code com.microsoft.MatMulNBits}: 4-bit weights in
 * blocks of {@code block_size} along K, one scale per block (float, or fp16 for an fp16 export's weights: the
 * operator's scales have its activations' type), symmetric around the operator's
 * default zero point 8 ({@code w ≈ (q − 8) · scale}, the block's scale the one of least squared error
 * from {@code max|w| / 7} down to half of it). Layout as
 * ORT documents it: {@code B} uint8 {@code [N, ceil(K / block), block / 2]}, two values a byte (the even
 * k in the low nibble), a block past K padded with zeros; {@code scales} {@code [N · blocks]}.
 * Embeddings, norms and biases stay as they are (fp16 ones fp16). Weights are read as fp32 or fp16
 * ({@code optimum-cli … --dtype fp16}, what GPUs are served from) and quantized from their float values.
 *
 * <p>The entry point of four parts: {@link Int4Plan} rewrites the graph, {@link Int4Blocks} holds the 4-bit numerics,
 * {@link InitializerFloats} reads the weights and {@link Int4ModelWriter} writes the result, one MatMul's weight in
 * memory at a time ({@link Int4Weights}).
 */
public final class Int4Quantizer {
    /**
     * @param blockSize     weights per scale along K (a power of two, 16 to 256)
     * @param accuracyLevel ORT's minimum accuracy of the activations' compute: 0 (unset: fp32), 1 fp32,
     *                      2 fp16, 3 bf16, 4 int8 (the fastest on CPU)
     * @param zeroPoints    asymmetric blocks: each block's 16 levels span its own [min, max] with a 4-bit
     *                      zero point (the operator's {@code zero_points} input), instead of ±max around 8
     */
    public record Options(int blockSize, int accuracyLevel, boolean zeroPoints) {
        public static final Options DEFAULTS = new Options(128, 4, false);

        public Options {
            if (blockSize < 16 || blockSize > 256 || Integer.bitCount(blockSize) != 1) {
                throw new IllegalArgumentException(
                        "block size must be a power of two from 16 to 256, was " + blockSize);
            }
            if (accuracyLevel < 0 || accuracyLevel > 4) {
                throw new IllegalArgumentException("accuracy level must be 0 to 4, was " + accuracyLevel);
            }
        }
    }

    /**
     * What a conversion did.
     *
     * @param matMuls     MatMuls made 4-bit
     * @param bytesBefore bytes of their weights before (fp32 or fp16)
     * @param bytesAfter  bytes of their 4-bit weights and scales
     * @param modelBytes  bytes of every initializer of the written model
     */
    public record Report(int matMuls, long bytesBefore, long bytesAfter, long modelBytes) {}

    private Int4Quantizer() {}

    /**
     * Writes the 4-bit conversion of {@code source} as a model directory {@code outDir}: {@code model.onnx}
     * with its initializers in {@code model.onnx_data}, and copies of the small files (config, tokenizer).
     *
     * @throws EngineException {@link ErrorCode#INVALID_PARAMETER} when {@code outDir} is the source, or the
     *     model is already quantized; {@link ErrorCode#MODEL_INVALID} when a file cannot be read or written
     */
    public static Report convert(ModelDirectory source, Path outDir, Options options) {
        try {
            Files.createDirectories(outDir);
            if (Files.isSameFile(source.root(), outDir)) {
                throw new EngineException(
                        ErrorCode.INVALID_PARAMETER,
                        "--out must be another directory than --model: the model is rewritten");
            }
            OnnxMl.ModelProto model = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(source.modelFile()));
            Path weightsDir = source.weightsDir();
            Int4Plan plan = Int4Plan.of(model, options);
            Int4Weights weights = new Int4Weights(plan, InitializerFloats.beside(weightsDir));
            long modelBytes = Int4ModelWriter.write(plan, weights, weightsDir, outDir);
            GreedySearchConverter.copySmallFiles(source, outDir);
            return new Report(plan.matMuls(), plan.bytesBefore(), plan.bytesAfter(), modelBytes);
        } catch (IOException e) {
            throw new EngineException(ErrorCode.MODEL_INVALID, "cannot quantize " + source.modelFile() + ": " + e, e);
        }
    }
}
