package dev.gptjt.engine.model;

import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.ErrorCode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * A Hugging Face Optimum export of a GPT-J decoder with past: {@code model.onnx} (external weights
 * beside it), {@code config.json}, {@code vocab.json} and {@code merges.txt}.
 */
public record ModelDirectory(Path root, ModelConfig config) {

    public static final String MODEL_FILE = "model.onnx";
    public static final String CONFIG_FILE = "config.json";
    public static final String VOCAB_FILE = "vocab.json";
    public static final String MERGES_FILE = "merges.txt";
    /** The in-graph greedy decoding model written by {@code gptjt convert --greedy-in-graph}; optional. */
    public static final String GREEDY_SEARCH_FILE = "greedy_search.onnx";
    /** The one-pass label scoring model written by {@code gptjt convert --classify-in-graph}; optional. */
    public static final String CLASSIFY_FILE = "classify.onnx";

    /**
     * Checks that every required file is present and reads {@code config.json}.
     *
     * @throws EngineException {@link ErrorCode#MODEL_INVALID} naming the missing file or bad field
     */
    public static ModelDirectory open(Path root) {
        if (!Files.isDirectory(root)) {
            throw new EngineException(
                    ErrorCode.MODEL_INVALID, "model directory " + root + " does not exist or is not a directory");
        }
        for (String name : new String[] {MODEL_FILE, CONFIG_FILE, VOCAB_FILE, MERGES_FILE}) {
            if (!Files.isRegularFile(root.resolve(name))) {
                throw new EngineException(
                        ErrorCode.MODEL_INVALID,
                        root.resolve(name)
                                + ": missing (an Optimum export directory needs model.onnx, config.json, vocab.json and merges.txt)");
            }
        }
        return new ModelDirectory(root, ModelConfig.read(root.resolve(CONFIG_FILE)));
    }

    public Path modelFile() {
        return root.resolve(MODEL_FILE);
    }

    /** {@value #GREEDY_SEARCH_FILE} of this directory, when it has one. */
    public Optional<Path> greedySearchFile() {
        Path p = root.resolve(GREEDY_SEARCH_FILE);
        return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
    }

    /** {@value #CLASSIFY_FILE} of this directory, when it has one. */
    public Optional<Path> classifyFile() {
        Path p = root.resolve(CLASSIFY_FILE);
        return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
    }

    /**
     * The directory that really holds {@code model.onnx} and its external weight files: the root, or
     * where a linked {@code model.onnx} points (a converted directory links to its source).
     */
    public Path weightsDir() {
        try {
            return modelFile().toRealPath().getParent();
        } catch (IOException e) {
            throw new EngineException(ErrorCode.MODEL_INVALID, modelFile() + ": cannot resolve: " + e.getMessage(), e);
        }
    }

    /**
     * Bytes of the model's weights on disk: {@code model.onnx} and its external data files (what ONNX
     * Runtime loads, before any conversion it does).
     */
    public long weightBytes() {
        try (var files = Files.list(weightsDir())) {
            long bytes = Files.size(modelFile());
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                if (name.endsWith(".onnx_data") || name.endsWith(".onnx.data")) {
                    bytes += Files.size(f);
                }
            }
            return bytes;
        } catch (IOException e) {
            throw new EngineException(ErrorCode.MODEL_INVALID, weightsDir() + ": cannot list: " + e.getMessage(), e);
        }
    }

    public Path vocabFile() {
        return root.resolve(VOCAB_FILE);
    }

    public Path mergesFile() {
        return root.resolve(MERGES_FILE);
    }

    /** The directory's name, used as the model's display name. */
    public String name() {
        return nameOf(root);
    }

    /** A model directory's display name: its own name ("model" for a root). */
    public static String nameOf(Path dir) {
        Path n = dir.toAbsolutePath().normalize().getFileName();
        return n == null ? "model" : n.toString();
    }

    /**
     * SHA-256 of {@code model.onnx} (the graph, not external weights), as lowercase hex: identifies
     * exactly which export produced a result.
     */
    public String contentHash() {
        return sha256(modelFile());
    }

    /**
     * SHA-256 of a file, as lowercase hex.
     *
     * @throws EngineException {@link ErrorCode#MODEL_INVALID} when it cannot be read
     */
    public static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                digest.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new EngineException(ErrorCode.MODEL_INVALID, file + ": cannot hash: " + e.getMessage(), e);
        }
    }
}
