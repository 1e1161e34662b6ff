package dev.gptjt.engine;

import dev.gptjt.engine.model.ModelConfig;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the engine will need in memory at most, worked out from the model's shapes and the configuration
 * before any weight is loaded, against the budget it must fit: the weights, the KV cache of a full batch
 * at the engine's context (the model's whole context unless {@code max-context} caps it) twice — a decoding
 * step holds every layer's past and the present it returns together (measured on GPT-JT-6B's shape at 16 rows
 * × 256 tokens: the prefix-cached Java loop peaked 3.5 GB above weights + one cache + activations) — and the
 * activations of a full-context prompt pass (the attention scores of one layer, and the hidden states).
 * The Java loop's KV cache grows with the tokens a batch really holds, so this is the worst case a
 * long-running service meets, not what a short prompt costs. It is an estimate: ONNX Runtime's arenas and
 * the JVM's own memory are not in it (leave them room in the budget).
 *
 * @param weightBytesByType bytes of the graph's initializers by ONNX element type ({@code FLOAT},
 *                          {@code FLOAT16}, {@code UINT8} for 4-bit blocks, ...)
 * @param kvValueBytes      bytes of one cached key or value (4 fp32, 2 fp16)
 * @param kvBytesPerToken   keys and values of every layer for one token of one row
 * @param maxBatchSize      rows in a full batch
 * @param context           tokens a request may span (the model's {@code n_positions}, or {@code max-context})
 * @param activationBytes   activations of a full batch's full-context prompt pass
 * @param budgetBytes       what the plan must fit in; 0 when nothing is checked (CUDA without a budget)
 * @param budgetSource      where the budget comes from, for the log
 */
public record MemoryPlan(
        Map<String, Long> weightBytesByType,
        int kvValueBytes,
        long kvBytesPerToken,
        int maxBatchSize,
        int context,
        long activationBytes,
        long budgetBytes,
        String budgetSource) {

    public MemoryPlan {
        weightBytesByType = Collections.unmodifiableMap(new TreeMap<>(weightBytesByType));
    }

    /**
     * The plan of a GPT-J of {@code shape} whose weights are {@code weightBytesByType}, at batches of
     * {@code maxBatchSize} rows of up to {@code context} tokens, against {@code budgetBytes}.
     */
    public static MemoryPlan of(
            ModelConfig shape,
            Map<String, Long> weightBytesByType,
            int kvValueBytes,
            int maxBatchSize,
            int context,
            long budgetBytes,
            String budgetSource) {
        long kvPerToken = kvBytesPerToken(shape, kvValueBytes);
        // one layer's attention scores (fp32) and a few hidden-state tensors of the prompt pass, per row
        long activations = (long) maxBatchSize * context * ((long) shape.nHead() * context + 8L * shape.nEmbd()) * 4;
        return new MemoryPlan(
                weightBytesByType,
                kvValueBytes,
                kvPerToken,
                maxBatchSize,
                context,
                activations,
                budgetBytes,
                budgetSource);
    }

    /** Keys and values of every layer for one token of one row of a GPT-J of {@code shape}. */
    public static long kvBytesPerToken(ModelConfig shape, int valueBytes) {
        return 2L * shape.nLayer() * shape.nHead() * shape.headSize() * valueBytes;
    }

    /** Bytes of every weight. */
    public long weightBytes() {
        return weightBytesByType.values().stream().mapToLong(Long::longValue).sum();
    }

    /** The KV cache of a full batch at the whole context. */
    public long kvBytes() {
        return kvBytesPerToken * context * maxBatchSize;
    }

    /**
     * The cache a decoding step returns while it still holds the batch's past: as large again as {@link #kvBytes()}
     * (one token more, which the plan's context already counts).
     */
    public long presentKvBytes() {
        return kvBytes();
    }

    /** Weights, the KV cache with a step's present, and activations. */
    public long totalBytes() {
        return weightBytes() + kvBytes() + presentKvBytes() + activationBytes;
    }

    /** Whether the plan fits its budget (always, when there is none). */
    public boolean fits() {
        return budgetBytes == 0 || totalBytes() <= budgetBytes;
    }

    /** The largest batch whose plan fits the budget (0: not even one row); {@link #maxBatchSize()} when unchecked. */
    public int largestBatchThatFits() {
        if (budgetBytes == 0) {
            return maxBatchSize;
        }
        long perRow = 2 * kvBytesPerToken * context + activationBytes / maxBatchSize;
        long room = budgetBytes - weightBytes();
        return room <= 0 ? 0 : (int) Math.min(Integer.MAX_VALUE, room / perRow);
    }

    /** The plan as a table, one line a component, for the start-up log. */
    public String table() {
        StringBuilder t = new StringBuilder("memory plan:\n");
        weightBytesByType.forEach((type, bytes) -> line(t, "weights " + type, bytes, ""));
        line(
                t,
                "KV cache",
                kvBytes(),
                String.format(
                        Locale.ROOT,
                        "%d rows x %d tokens x %s per token (%d-byte values)",
                        maxBatchSize,
                        context,
                        size(kvBytesPerToken),
                        kvValueBytes));
        line(t, "KV present", presentKvBytes(), "a decoding step's output while it holds the past: as large again");
        line(t, "activations", activationBytes, "a full batch's full-context prompt pass, one layer at a time");
        line(t, "total", totalBytes(), "");
        line(t, "budget", budgetBytes, budgetSource + (budgetBytes == 0 ? "" : fits() ? ": fits" : ": DOES NOT FIT"));
        return t.toString().stripTrailing();
    }

    /** Why the plan does not fit, in one line naming the settings that change it. */
    public String refusal() {
        int largest = largestBatchThatFits();
        return String.format(
                Locale.ROOT,
                "memory plan does not fit: weights %s + KV cache %s (%d rows x %d tokens x %s) x 2 (past and"
                        + " present) + activations %s ="
                        + " %s > memory budget %s (%s); %s, or raise memory-budget",
                size(weightBytes()),
                size(kvBytes()),
                maxBatchSize,
                context,
                size(kvBytesPerToken),
                size(activationBytes),
                size(totalBytes()),
                size(budgetBytes),
                budgetSource,
                largest > 0
                        ? "lower max-batch-size to " + largest + " (fits)"
                        : "not even one row fits beside the weights: use smaller weights (convert --quantize int4)");
    }

    private static void line(StringBuilder t, String what, long bytes, String note) {
        t.append(String.format(Locale.ROOT, "  %-16s %12s  %s%n", what, size(bytes), note));
    }

    /** Bytes in the largest unit that keeps a whole number ahead of the point. */
    static String size(long bytes) {
        if (bytes >= 1L << 30) {
            return String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
        }
        if (bytes >= 1L << 20) {
            return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20));
        }
        return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
    }
}
