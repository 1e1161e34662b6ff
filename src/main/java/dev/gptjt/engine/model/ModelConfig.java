package dev.gptjt.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.ErrorCode;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The GPT-J architecture values read from a Hugging Face {@code config.json}.
 *
 * @param nLayer     transformer blocks; one {@code past_key_values.N.key/value} pair each
 * @param nHead      attention heads
 * @param nEmbd      hidden size; head size is {@code nEmbd / nHead}
 * @param rotaryDim  rotary dimensions per head
 * @param vocabSize  logits width (50400 for GPT-J; ids above the tokenizer's 50256 are unused)
 * @param nPositions context length
 * @param eosTokenId end-of-sequence id
 */
public record ModelConfig(
        int nLayer, int nHead, int nEmbd, int rotaryDim, int vocabSize, int nPositions, int eosTokenId) {

    public int headSize() {
        return nEmbd / nHead;
    }

    /**
     * Reads and checks {@code config.json}.
     *
     * @throws EngineException {@link ErrorCode#MODEL_INVALID} naming the file and the field when it is
     *     missing, unreadable, not a positive integer, or inconsistent ({@code n_embd} not divisible by {@code n_head})
     */
    public static ModelConfig read(Path file) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new EngineException(ErrorCode.MODEL_INVALID, file + ": cannot read JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new EngineException(ErrorCode.MODEL_INVALID, file + ": not a JSON object");
        }
        var config = new ModelConfig(
                positive(root, file, "n_layer"),
                positive(root, file, "n_head"),
                positive(root, file, "n_embd"),
                positive(root, file, "rotary_dim"),
                positive(root, file, "vocab_size"),
                positive(root, file, "n_positions"),
                nonNegative(root, file, "eos_token_id"));
        if (config.nEmbd % config.nHead != 0) {
            throw new EngineException(
                    ErrorCode.MODEL_INVALID,
                    file + ": n_embd (" + config.nEmbd + ") is not a multiple of n_head (" + config.nHead + ")");
        }
        if (config.eosTokenId >= config.vocabSize) {
            throw new EngineException(
                    ErrorCode.MODEL_INVALID,
                    file + ": eos_token_id (" + config.eosTokenId + ") is outside vocab_size (" + config.vocabSize
                            + ")");
        }
        return config;
    }

    private static int positive(JsonNode root, Path file, String field) {
        int v = nonNegative(root, file, field);
        if (v == 0) {
            throw new EngineException(ErrorCode.MODEL_INVALID, file + ": field '" + field + "' must be > 0");
        }
        return v;
    }

    private static int nonNegative(JsonNode root, Path file, String field) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            throw new EngineException(ErrorCode.MODEL_INVALID, file + ": field '" + field + "' is missing");
        }
        if (!n.canConvertToInt() || !n.isIntegralNumber() || n.intValue() < 0) {
            throw new EngineException(
                    ErrorCode.MODEL_INVALID, file + ": field '" + field + "' must be a non-negative integer, was " + n);
        }
        return n.intValue();
    }
}
