package dev.gptjt.engine.internal.ort;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import dev.gptjt.engine.internal.Closing;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.Iterator;
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
    /**
     * Row {@code row} of {@code cache} (whose length is {@code length}): the columns it keeps, as runs of
     * {@code runs[2i + 1]} columns from column {@code runs[2i]}, in order. A prompt pass that starts from a cached
     * prefix leaves masked columns between the prefix and a suffix shorter than the batch's longest, a jump-forward
     * step leaves them before the tokens of a row that wrote fewer than the step's widest; a merge closes them.
     *
     * @param cache null when nothing is kept
     */
    record Source(KvCache cache, int length, int row, int[] runs) {
        /** The row's last {@code real} columns, with no gap. */
        static Source of(KvCache cache, int length, int row, int real) {
            return new Source(cache, length, row, new int[] {length - real, real});
        }

        /** The row's last {@code tail} columns and, {@code gap} masked columns before those, {@code head} more. */
        static Source withGap(KvCache cache, int length, int row, int head, int gap, int tail) {
            return new Source(cache, length, row, new int[] {length - tail - gap - head, head, length - tail, tail});
        }

        /** The columns where {@code mask[from + c]} is 1, c in [0, length). */
        static Source ofMask(KvCache cache, int length, int row, long[] mask, int from) {
            int[] runs = new int[8];
            int n = 0;
            for (int c = 0; c < length; c++) {
                if (mask[from + c] == 0) {
                    continue;
                }
                if (n > 0 && runs[n - 2] + runs[n - 1] == c) {
                    runs[n - 1]++;
                    continue;
                }
                if (n == runs.length) {
                    runs = Arrays.copyOf(runs, n * 2);
                }
                runs[n++] = c;
                runs[n++] = 1;
            }
            return new Source(cache, length, row, Arrays.copyOf(runs, n));
        }

        /** Columns kept. */
        int real() {
            int real = 0;
            for (int i = 1; i < runs.length; i += 2) {
                real += runs[i];
            }
            return real;
        }
    }

    /** Zeros to clear masked columns from; one head's padding (context × head size × 4 bytes) is far smaller. */
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(1 << 22);

    private KvCacheMerge() {}

    /**
     * @return a cache of {@code rows.size()} rows and length {@code max(real)}, row j holding source j's real columns
     * @throws OrtException when ORT cannot read a source or create a tensor
     */
    static Merged merge(DecoderSession decoder, List<Source> rows, BufferPool pool) throws OrtException {
        int heads = decoder.config().nHead();
        int headSize = decoder.config().headSize();
        int element = elementBytes(decoder);
        int length = rows.stream().mapToInt(Source::real).max().orElse(0);
        Merged merged = Merged.allocate(decoder, rows.size(), length, pool);
        try {
            for (int layer = 0; layer < decoder.config().nLayer(); layer++) {
                for (boolean key : new boolean[] {true, false}) {
                    ByteBuffer target = merged.bytes(key ? merged.key(layer) : merged.value(layer));
                    Map<KvCache, ByteBuffer> read = new IdentityHashMap<>(); // each source tensor read once
                    for (int j = 0; j < rows.size(); j++) {
                        Source s = rows.get(j);
                        int real = s.real();
                        int l = layer;
                        ByteBuffer source = real == 0
                                ? null
                                : read.computeIfAbsent(s.cache(), c -> bytes(c, key ? c.key(l) : c.value(l)));
                        int column = headSize * element;
                        int padding = (length - real) * column;
                        for (int h = 0; h < heads; h++) {
                            int rowStart = (s.row() * heads + h) * s.length();
                            int to = ((j * heads + h) * length + length - real) * column;
                            target.put(to - padding, ZEROS, 0, padding); // buffers are reused: clear the masked columns
                            int copied = 0;
                            for (int i = 0; i < s.runs().length; i += 2) {
                                int count = s.runs()[i + 1];
                                if (count == 0) {
                                    continue;
                                }
                                target.put(
                                        to + copied * column,
                                        source,
                                        (rowStart + s.runs()[i]) * column,
                                        count * column);
                                copied += count;
                            }
                        }
                    }
                }
            }
            return merged;
        } catch (RuntimeException e) {
            merged.close();
            throw e;
        }
    }

    /** Bytes one token takes in the cache: keys and values of every layer. */
    static long bytesPerToken(DecoderSession decoder) {
        return 2L
                * decoder.config().nLayer()
                * decoder.config().nHead()
                * decoder.config().headSize()
                * elementBytes(decoder);
    }

    private static int elementBytes(DecoderSession decoder) {
        return decoder.kvType() == OnnxJavaType.FLOAT16 ? 2 : 4;
    }

    private static ByteBuffer bytes(KvCache cache, OnnxTensor tensor) {
        if (cache instanceof Merged m) {
            return m.bytes(tensor); // our own direct buffer: read in place
        }
        if (cache instanceof DecoderStepper.Output o && o.presents() != null) {
            return o.presents().bytes(tensor); // pinned outputs: ORT wrote them into our buffers
        }
        return tensor.getByteBuffer(); // a copy of the native data, in the tensor's element layout
    }

    /**
     * Direct buffers for merged caches, reused: a merged cache lives one step, so a handful cycle.
     * Fresh buffers at every admission would leave their freeing to the garbage collector, and a JVM
     * at its direct-memory limit stalls in {@code System.gc()} (seen: 150 ms merges). One thread only.
     */
    static final class BufferPool {
        private final ArrayDeque<ByteBuffer> free = new ArrayDeque<>();

        /** The smallest free buffer of at least {@code bytes}, or a new one with room to grow. */
        ByteBuffer take(int bytes) {
            ByteBuffer best = null;
            for (ByteBuffer b : free) {
                if (b.capacity() >= bytes && (best == null || b.capacity() < best.capacity())) {
                    best = b;
                }
            }
            if (best == null) {
                return ByteBuffer.allocateDirect(BufferSize.pooledCapacity(bytes))
                        .order(ByteOrder.nativeOrder());
            }
            // by identity: ByteBuffer.equals compares contents, and remove(Object) would take out another buffer of
            // equal bytes (two zeroed caches), leaving this one free while it is handed out — two caches on one buffer
            for (Iterator<ByteBuffer> it = free.iterator(); it.hasNext(); ) {
                if (it.next() == best) {
                    it.remove();
                    break;
                }
            }
            return best;
        }

        void give(ByteBuffer owner) {
            free.addLast(owner);
            while (free.size() > 128) {
                free.removeFirst(); // bound what an unusual burst leaves behind
            }
        }
    }

    /** A cache whose tensors read from pooled direct buffers; closing returns them. */
    static final class Merged implements KvCache {
        private final OnnxTensor[] keys;
        private final OnnxTensor[] values;
        private final int length;
        private final BufferPool pool;
        private final List<ByteBuffer> owners = new ArrayList<>();
        private final Map<OnnxTensor, ByteBuffer> views = new IdentityHashMap<>();

        private Merged(int layers, int length, BufferPool pool) {
            this.keys = new OnnxTensor[layers];
            this.values = new OnnxTensor[layers];
            this.length = length;
            this.pool = pool;
        }

        /**
         * Pooled, uninitialised key and value tensors of shape [batch, heads, length, head_size] for every
         * layer: outputs for ORT to write into, or a merge's target.
         */
        static Merged allocate(DecoderSession decoder, int batch, int length, BufferPool pool) throws OrtException {
            int layers = decoder.config().nLayer();
            int heads = decoder.config().nHead();
            int headSize = decoder.config().headSize();
            int element = elementBytes(decoder);
            long[] shape = {batch, heads, length, headSize};
            Merged m = new Merged(layers, length, pool);
            try {
                for (int layer = 0; layer < layers; layer++) {
                    for (boolean key : new boolean[] {true, false}) {
                        ByteBuffer view = m.lease(
                                BufferSize.checked("a layer's KV cache", batch, heads, length, headSize, element));
                        m.add(key, layer, OnnxTensor.createTensor(decoder.env(), view, shape, decoder.kvType()), view);
                    }
                }
                return m;
            } catch (OrtException | RuntimeException e) {
                m.close();
                throw e;
            }
        }

        /** A view of exactly {@code bytes} over a pooled buffer this cache owns until closed. */
        private ByteBuffer lease(int bytes) {
            ByteBuffer owner = pool.take(bytes);
            owners.add(owner);
            return owner.clear().limit(bytes).slice().order(ByteOrder.nativeOrder());
        }

        private void add(boolean key, int layer, OnnxTensor tensor, ByteBuffer view) {
            (key ? keys : values)[layer] = tensor;
            views.put(tensor, view);
        }

        private ByteBuffer bytes(OnnxTensor tensor) {
            return views.get(tensor).duplicate().clear();
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
            List<AutoCloseable> parts = new ArrayList<>(Arrays.asList(keys));
            parts.addAll(Arrays.asList(values));
            try {
                Closing.all(parts);
            } finally {
                owners.forEach(pool::give); // Java buffers: given back whatever a tensor's close threw
                owners.clear();
            }
        }
    }
}
