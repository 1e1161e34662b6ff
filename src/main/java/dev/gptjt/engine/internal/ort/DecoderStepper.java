package dev.gptjt.engine.internal.ort;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.ErrorCode;
import dev.gptjt.engine.GenerationParams;
import dev.gptjt.engine.graph.DecoderGraph;
import dev.gptjt.engine.graph.LogitsSelection;
import dev.gptjt.engine.internal.Closing;
import dev.gptjt.engine.internal.PreparedRequest;
import dev.gptjt.engine.model.ModelConfig;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * One forward pass of the decoder over a batch: builds the int64 inputs, feeds the KV cache of an
 * earlier pass (its {@code present.*} outputs, as the same native tensors — no copy), and has ORT
 * write the logits straight into a reused direct buffer. Not thread-safe: one per scheduler thread.
 */
final class DecoderStepper {
    private final DecoderSession decoder;
    private final ModelConfig config;
    private final boolean pinLogits;
    private final KvCacheMerge.BufferPool pool;
    private FloatBuffer pinned = FloatBuffer.allocate(0);
    /** Wall time spent inside {@code OrtSession.run}, for the share of generation time ORT takes. */
    private final LongAdder ortNanos = new LongAdder();

    /**
     * A pass's outputs. {@code logits} is valid until the next pass; {@code result} holds the KV
     * cache and must be closed by the caller once no later pass needs it.
     */
    record Output(
            OrtSession.Result result,
            FloatBuffer logits,
            int[] positions,
            int width,
            int vocab,
            DecoderSession decoder,
            KvCacheMerge.Merged presents)
            implements KvCache {
        /** Copies row {@code r}'s logits at the {@code i}-th requested position into {@code into}. */
        void row(int r, int i, float[] into) {
            logits.get(offset(r, i), into);
        }

        /** Where row {@code r}'s logits at the {@code i}-th requested position start in {@code logits}. */
        int offset(int r, int i) {
            int index = width == positions.length ? r * width + i : r * width + positions[i];
            return index * vocab;
        }

        /** Row {@code r}'s logit of {@code token} at the {@code i}-th requested position. */
        float logit(int r, int i, int token) {
            return logits.get(offset(r, i) + token);
        }

        @Override
        public OnnxTensor key(int layer) {
            return presents != null
                    ? presents.key(layer)
                    : present(result, decoder.graph().output(decoder.presentKey(layer)));
        }

        @Override
        public OnnxTensor value(int layer) {
            return presents != null
                    ? presents.value(layer)
                    : present(result, decoder.graph().output(decoder.presentValue(layer)));
        }

        @Override
        public void close() {
            Closing.all(result, presents);
        }
    }

    /**
     * @param pool where {@code present.*} outputs are pinned (ORT writes the KV cache into pooled direct
     *             buffers, which cache merges then read in place)
     */
    DecoderStepper(DecoderSession decoder, KvCacheMerge.BufferPool pool) {
        this.pool = pool;
        this.decoder = decoder;
        this.config = decoder.config();
        this.pinLogits = decoder.logitsType() == OnnxJavaType.FLOAT;
    }

    /**
     * Runs the decoder.
     *
     * @param ids       [batch, seqLen] token ids
     * @param mask      [batch, total] attention mask, total = past length + seqLen
     * @param positions [batch, seqLen] position ids
     * @param past      the KV cache to continue (an earlier pass's output or a merged cache), or null for the first pass
     * @param logitsAt  the sequence positions (0 .. seqLen-1) whose logits the caller reads
     * @throws OrtException when ONNX Runtime fails or the run is terminated
     */
    Output run(
            long[] ids,
            long[] mask,
            long[] positions,
            int batch,
            int seqLen,
            int total,
            KvCache past,
            int[] logitsAt,
            OrtSession.RunOptions options)
            throws OrtException {
        Map<String, OnnxTensorLike> inputs = new HashMap<>();
        List<OnnxTensor> owned = new ArrayList<>();
        try {
            owned.add(put(inputs, DecoderGraph.INPUT_IDS, longTensor(ids, batch, seqLen)));
            owned.add(put(inputs, DecoderGraph.ATTENTION_MASK, longTensor(mask, batch, total)));
            owned.add(put(inputs, DecoderGraph.POSITION_IDS, longTensor(positions, batch, seqLen)));
            for (int layer = 0; layer < config.nLayer(); layer++) {
                if (past == null) {
                    owned.add(put(inputs, decoder.pastKey(layer), emptyCache(batch)));
                    owned.add(put(inputs, decoder.pastValue(layer), emptyCache(batch)));
                } else {
                    inputs.put(decoder.pastKey(layer), past.key(layer));
                    inputs.put(decoder.pastValue(layer), past.value(layer));
                }
            }
            int width = seqLen;
            if (decoder.selectsLogits()) {
                long[] at = new long[logitsAt.length];
                for (int i = 0; i < at.length; i++) {
                    at[i] = logitsAt[i];
                }
                LongBuffer buffer = ByteBuffer.allocateDirect(at.length * Long.BYTES)
                        .order(ByteOrder.nativeOrder())
                        .asLongBuffer();
                buffer.put(at).rewind();
                owned.add(put(
                        inputs,
                        LogitsSelection.POSITIONS_INPUT,
                        OnnxTensor.createTensor(decoder.env(), buffer, new long[] {at.length})));
                width = at.length;
            }
            int floats = BufferSize.checked("the pass's logits", batch, width, config.vocabSize(), Float.BYTES)
                    / Float.BYTES;
            if (!pinLogits) {
                long start = System.nanoTime();
                OrtSession.Result result = decoder.graph().run(inputs, options);
                ortNanos.add(System.nanoTime() - start);
                return new Output(
                        result,
                        ((OnnxTensor) result.get(decoder.graph().output(DecoderGraph.LOGITS))
                                        .orElseThrow())
                                .getFloatBuffer(),
                        logitsAt,
                        width,
                        config.vocabSize(),
                        decoder,
                        null);
            }
            // ORT writes logits straight into our direct buffer: no copy of the [batch, seq, vocab] tensor.
            FloatBuffer logits = pinnedBuffer(floats);
            try (OnnxTensor logitsT =
                    OnnxTensor.createTensor(decoder.env(), logits, new long[] {batch, width, config.vocabSize()})) {
                // the KV cache too: ORT writes present.* into pooled buffers the next merge can read in place
                KvCacheMerge.Merged presents = KvCacheMerge.Merged.allocate(decoder, batch, total, pool);
                try {
                    Map<String, OnnxTensor> pinned = new HashMap<>();
                    pinned.put(DecoderGraph.LOGITS, logitsT);
                    for (int layer = 0; layer < config.nLayer(); layer++) {
                        pinned.put(decoder.presentKey(layer), presents.key(layer));
                        pinned.put(decoder.presentValue(layer), presents.value(layer));
                    }
                    long start = System.nanoTime();
                    OrtSession.Result result = decoder.graph().run(inputs, pinned, options);
                    ortNanos.add(System.nanoTime() - start);
                    return new Output(result, logits, logitsAt, width, config.vocabSize(), decoder, presents);
                } catch (OrtException | RuntimeException e) {
                    presents.close();
                    throw e;
                }
            }
        } finally {
            owned.forEach(OnnxTensor::close);
        }
    }

    /**
     * The prompt pass of {@code rows}: each row's prompt after its cached prefix, continuing a past built
     * from the prefixes' caches (rows without one see only masked columns there), logits at the last position.
     */
    Output promptPass(Prompts prompts, List<? extends PreparedRequest> rows, OrtSession.RunOptions options)
            throws OrtException {
        return promptPass(prompts, rows, new int[rows.size()][], options);
    }

    /**
     * The prompt pass with {@code appended[r]} (may be empty) read after row r's prompt in the same pass,
     * right-padded to the longest with masked pads: logits at the prompt's last position and at each
     * appended position, in that order. Causal attention keeps the prompt's logits as they are without them.
     */
    Output promptPass(
            Prompts prompts, List<? extends PreparedRequest> rows, int[][] appended, OrtSession.RunOptions options)
            throws OrtException {
        int b = rows.size();
        int width = 0;
        for (int[] tokens : appended) {
            width = Math.max(width, tokens == null ? 0 : tokens.length);
        }
        int len = prompts.length();
        int cols = prompts.total();
        long[] ids = prompts.ids();
        long[] mask = prompts.mask();
        long[] positions = prompts.positions();
        if (width > 0) {
            ids = new long[b * (len + width)];
            mask = new long[b * (cols + width)];
            positions = new long[b * (len + width)];
            Arrays.fill(ids, config.eosTokenId());
            for (int r = 0; r < b; r++) {
                System.arraycopy(prompts.ids(), r * len, ids, r * (len + width), len);
                System.arraycopy(prompts.mask(), r * cols, mask, r * (cols + width), cols);
                System.arraycopy(prompts.positions(), r * len, positions, r * (len + width), len);
                int[] tokens = appended[r] == null ? new int[0] : appended[r];
                for (int i = 0; i < width; i++) {
                    int at = r * (len + width) + len + i;
                    positions[at] = prompts.realLength(r) + i;
                    if (i < tokens.length) {
                        ids[at] = tokens[i];
                        mask[r * (cols + width) + cols + i] = 1;
                    }
                }
            }
        }
        int[] logitsAt = new int[1 + width];
        for (int i = 0; i <= width; i++) {
            logitsAt[i] = len - 1 + i;
        }
        KvCache past = null;
        if (prompts.pastLength() > 0) {
            List<KvCacheMerge.Source> prefixes = new ArrayList<>(rows.size());
            for (PreparedRequest r : rows) {
                prefixes.add(
                        r.prefix() == null
                                ? KvCacheMerge.Source.of(null, 0, 0, 0)
                                : KvCacheMerge.Source.of(
                                        ((CachedPrefix) r.prefix().state()).kv(),
                                        r.prefixLength(),
                                        0,
                                        r.prefixLength()));
            }
            past = KvCacheMerge.merge(decoder, prefixes, pool);
        }
        try {
            return run(ids, mask, positions, b, len + width, cols + width, past, logitsAt, options);
        } finally {
            if (past != null) {
                past.close(); // consumed by the run; its outputs are buffers of their own
            }
        }
    }

    /**
     * The logits after each of {@code contexts}, read whole in one pass with no past (left-padded, as a prompt pass
     * runs them), and nothing else: the {@code present.*} outputs are not fetched, so on a GPU only the inputs' ids
     * and one logits row per context cross PCIe.
     *
     * @param into one array per context, each of the vocabulary's size, written
     * @throws OrtException when ONNX Runtime fails or the run is terminated
     */
    void lastLogits(List<int[]> contexts, float[][] into, OrtSession.RunOptions options) throws OrtException {
        List<PreparedRequest.Generation> rows = new ArrayList<>(contexts.size());
        for (int[] context : contexts) {
            rows.add(new PreparedRequest.Generation(
                    "correction", context, GenerationParams.DEFAULTS, 0, Long.MAX_VALUE, null));
        }
        Prompts p = Prompts.of(rows, config.eosTokenId());
        int b = rows.size();
        int len = p.length();
        Map<String, OnnxTensorLike> inputs = new HashMap<>();
        List<OnnxTensor> owned = new ArrayList<>();
        try {
            owned.add(put(inputs, DecoderGraph.INPUT_IDS, longTensor(p.ids(), b, len)));
            owned.add(put(inputs, DecoderGraph.ATTENTION_MASK, longTensor(p.mask(), b, len)));
            owned.add(put(inputs, DecoderGraph.POSITION_IDS, longTensor(p.positions(), b, len)));
            for (int layer = 0; layer < config.nLayer(); layer++) {
                owned.add(put(inputs, decoder.pastKey(layer), emptyCache(b)));
                owned.add(put(inputs, decoder.pastValue(layer), emptyCache(b)));
            }
            int width = len;
            if (decoder.selectsLogits()) {
                LongBuffer at = ByteBuffer.allocateDirect(Long.BYTES)
                        .order(ByteOrder.nativeOrder())
                        .asLongBuffer()
                        .put(0, len - 1);
                owned.add(put(
                        inputs,
                        LogitsSelection.POSITIONS_INPUT,
                        OnnxTensor.createTensor(decoder.env(), at, new long[] {1})));
                width = 1;
            }
            long start = System.nanoTime();
            try (OrtSession.Result result = decoder.graph().runFor(inputs, DecoderGraph.LOGITS, options)) {
                ortNanos.add(System.nanoTime() - start);
                FloatBuffer logits = ((OnnxTensor) result.get(0)).getFloatBuffer();
                for (int r = 0; r < b; r++) {
                    logits.get(((r * width) + width - 1) * config.vocabSize(), into[r]);
                }
            }
        } finally {
            owned.forEach(OnnxTensor::close);
        }
    }

    /** Total wall time spent inside {@code OrtSession.run} by this stepper. */
    long ortNanos() {
        return ortNanos.sum();
    }

    private static OnnxTensor put(Map<String, OnnxTensorLike> inputs, String name, OnnxTensor tensor) {
        inputs.put(name, tensor);
        return tensor;
    }

    private static OnnxTensor present(OrtSession.Result result, String name) {
        return (OnnxTensor) result.get(name)
                .orElseThrow(() ->
                        new EngineException(ErrorCode.INFERENCE_FAILED, "model produced no '" + name + "' output"));
    }

    private FloatBuffer pinnedBuffer(int floats) {
        if (pinned.capacity() < floats) {
            pinned = ByteBuffer.allocateDirect(floats * Float.BYTES)
                    .order(ByteOrder.nativeOrder())
                    .asFloatBuffer();
        }
        return pinned.clear().limit(floats).slice();
    }

    private OnnxTensor longTensor(long[] values, int rows, int cols) throws OrtException {
        LongBuffer buffer = ByteBuffer.allocateDirect(values.length * Long.BYTES)
                .order(ByteOrder.nativeOrder())
                .asLongBuffer();
        buffer.put(values).rewind();
        return OnnxTensor.createTensor(decoder.env(), buffer, new long[] {rows, cols});
    }

    private OnnxTensor emptyCache(int batch) throws OrtException {
        long[] shape = {batch, config.nHead(), 0, config.headSize()};
        ByteBuffer empty = ByteBuffer.allocateDirect(0).order(ByteOrder.nativeOrder());
        return decoder.kvType() == OnnxJavaType.FLOAT16
                ? OnnxTensor.createTensor(decoder.env(), empty, shape, OnnxJavaType.FLOAT16)
                : OnnxTensor.createTensor(decoder.env(), empty.asFloatBuffer(), shape);
    }

    /**
     * A prompt pass's inputs: each row's prompt after its cached prefix ({@link PreparedRequest#prefixLength()}
     * tokens, none without a prefix), left-padded to the longest. The pass continues a past of
     * {@code pastLength} columns in which row r's prefix fills the last {@code prefixLengths[r]}; pads
     * (in the past and before each suffix) carry mask 0, and position ids count only real tokens
     * ({@code max(cumsum(mask) - 1, 0)}, as in Hugging Face). A row with a prefix whose suffix is padded
     * thus has masked columns between the two: a running batch's cache closes them ({@link #source}).
     */
    record Prompts(
            long[] ids, long[] mask, long[] positions, int[] padding, int length, int[] prefixLengths, int pastLength) {
        static Prompts of(List<? extends PreparedRequest> rows, int padId) {
            int b = rows.size();
            int[] prefixes = new int[b];
            int len = 0;
            int past = 0;
            for (int r = 0; r < b; r++) {
                prefixes[r] = rows.get(r).prefixLength();
                past = Math.max(past, prefixes[r]);
                len = Math.max(len, rows.get(r).promptIds().length - prefixes[r]);
            }
            long[] ids = new long[b * len];
            long[] mask = new long[b * (past + len)];
            long[] positions = new long[b * len];
            int[] padding = new int[b];
            for (int r = 0; r < b; r++) {
                int[] prompt = rows.get(r).promptIds();
                padding[r] = len - (prompt.length - prefixes[r]);
                Arrays.fill(mask, r * (past + len) + past - prefixes[r], r * (past + len) + past, 1L);
                for (int t = 0; t < len; t++) {
                    int i = r * len + t;
                    boolean pad = t < padding[r];
                    ids[i] = pad ? padId : prompt[prefixes[r] + t - padding[r]];
                    mask[r * (past + len) + past + t] = pad ? 0 : 1;
                    positions[i] = pad ? 0 : prefixes[r] + t - padding[r];
                }
            }
            return new Prompts(ids, mask, positions, padding, len, prefixes, past);
        }

        /** Columns of the pass's KV cache: the past and the suffixes. */
        int total() {
            return pastLength + length;
        }

        /** Real tokens of row {@code r}: its whole prompt. */
        int realLength(int r) {
            return prefixLengths[r] + length - padding[r];
        }

        /** The mask after {@code extra} more tokens are appended to every row. */
        long[] maskExtendedBy(int extra) {
            return maskExtendedBy(0, extra);
        }

        /**
         * The mask after {@code skipped} columns no later token may see (masked), then {@code extra} more
         * tokens, are appended to every row.
         */
        long[] maskExtendedBy(int skipped, int extra) {
            int b = padding.length;
            int total = total() + skipped + extra;
            long[] out = new long[b * total];
            for (int r = 0; r < b; r++) {
                Arrays.fill(out, r * total + pastLength - prefixLengths[r], r * total + pastLength, 1L);
                Arrays.fill(out, r * total + pastLength + padding[r], r * total + total(), 1L);
                Arrays.fill(out, r * total + total() + skipped, (r + 1) * total, 1L);
            }
            return out;
        }

        /** Row {@code r} of the pass's cache {@code cache}, as a merge keeps it: prefix and suffix, no gap. */
        KvCacheMerge.Source source(KvCache cache, int r) {
            return KvCacheMerge.Source.withGap(cache, total(), r, prefixLengths[r], padding[r], length - padding[r]);
        }

        /** True when no row has masked columns between its prefix and its suffix. */
        boolean gapFree() {
            for (int r = 0; r < padding.length; r++) {
                if (prefixLengths[r] > 0 && padding[r] > 0) {
                    return false;
                }
            }
            return true;
        }
    }
}
