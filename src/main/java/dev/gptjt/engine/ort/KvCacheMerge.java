package dev.gptjt.engine.ort;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds one batch's KV cache from rows of other caches: how a running batch admits new rows (their
 * prompt pass ran alone) and drops finished ones. Each row keeps only its real columns, right-aligned
 * under the new length; the columns before them are zeros, masked like any left padding.
 *
 * <pre>
 *   running cache (length 5)        prompt pass (length 3)         merged (length 5)
 *   row 0: . . a a a   (3 real)     row 0: b b b  (3 real)    →    . . a a a
 *   row 1: c c c c c   (finished)                                  . . b b b
 * </pre>
 *
 * ORT's Java API cannot slice or concatenate device memory, so this is a host copy of the kept rows
 * (on a GPU, the Java loop moves the whole cache through the host at every step anyway).
 */
final class KvCacheMerge {
    /** Row {@code row} of {@code cache} (whose length is {@code length}), of which the last {@code real} columns are kept. */
    record Source(KvCache cache, int length, int row, int real) {}

    private KvCacheMerge() {}

    /**
     * @return a cache of {@code rows.size()} rows and length {@code max(real)}, row j holding source j's real columns
     * @throws OrtException when ORT cannot read a source or create a tensor
     */
    static Merged merge(DecoderSession decoder, List<Source> rows) throws OrtException {
        int layers = decoder.config().nLayer();
        int heads = decoder.config().nHead();
        int headSize = decoder.config().headSize();
        int element = decoder.kvType() == OnnxJavaType.FLOAT16 ? 2 : 4;
        int length = rows.stream().mapToInt(Source::real).max().orElse(0);
        long[] shape = {rows.size(), heads, length, headSize};
        OnnxTensor[] keys = new OnnxTensor[layers];
        OnnxTensor[] values = new OnnxTensor[layers];
        Merged merged = new Merged(keys, values, length);
        try {
            for (int layer = 0; layer < layers; layer++) {
                for (boolean key : new boolean[] {true, false}) {
                    ByteBuffer target = ByteBuffer.allocateDirect(rows.size() * heads * length * headSize * element).order(ByteOrder.nativeOrder());
                    Map<KvCache, ByteBuffer> read = new IdentityHashMap<>(); // each source tensor copied out once
                    for (int j = 0; j < rows.size(); j++) {
                        Source s = rows.get(j);
                        int l = layer;
                        ByteBuffer source = read.computeIfAbsent(s.cache(), c -> bytes(key ? c.key(l) : c.value(l)));
                        int span = s.real() * headSize * element;
                        for (int h = 0; h < heads; h++) {
                            int from = ((s.row() * heads + h) * s.length() + s.length() - s.real()) * headSize * element;
                            int to = ((j * heads + h) * length + length - s.real()) * headSize * element;
                            target.put(to, source, from, span);
                        }
                    }
                    OnnxTensor tensor = OnnxTensor.createTensor(decoder.env(), target, shape, decoder.kvType());
                    if (key) {
                        keys[layer] = tensor;
                    } else {
                        values[layer] = tensor;
                    }
                }
            }
            return merged;
        } catch (OrtException | RuntimeException e) {
            merged.close();
            throw e;
        }
    }

    private static ByteBuffer bytes(OnnxTensor tensor) {
        return tensor.getByteBuffer(); // a copy of the native data, in the tensor's element layout
    }

    /** A cache whose tensors read from direct buffers this class filled. */
    static final class Merged implements KvCache {
        private final OnnxTensor[] keys;
        private final OnnxTensor[] values;
        private final int length;

        private Merged(OnnxTensor[] keys, OnnxTensor[] values, int length) {
            this.keys = keys;
            this.values = values;
            this.length = length;
        }

        int length() {
            return length;
        }

        @Override
        public OnnxTensor key(int layer) {
            return keys[layer];
        }

        @Override
        public OnnxTensor value(int layer) {
            return values[layer];
        }

        @Override
        public void close() {
            for (OnnxTensor[] tensors : new OnnxTensor[][] {keys, values}) {
                for (OnnxTensor t : tensors) {
                    if (t != null) {
                        t.close();
                    }
                }
            }
        }
    }
}
