package dev.gptjt.engine.internal.ort;

import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.ErrorCode;

/**
 * Sizes of the direct buffers ORT reads and writes, worked out in {@code long}: GPT-JT's shapes pass
 * {@code int} range as products (full-sequence logits of 16 rows × 2 048 tokens × 50 400 vocabulary are
 * 6.6 GB), and a Java buffer holds at most {@link Integer#MAX_VALUE} bytes, so what does not fit is
 * refused by name instead of wrapping to a negative or too small capacity.
 */
final class BufferSize {
    /** Most bytes one Java buffer holds: {@code ByteBuffer} capacities are {@code int}s. */
    static final long MAX_BYTES = Integer.MAX_VALUE;

    private BufferSize() {}

    /** The product of {@code dims} (element bytes among them), exact. */
    static long bytes(long... dims) {
        long n = 1;
        for (long d : dims) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /**
     * The bytes of {@code what}, a buffer of the product of {@code dims}.
     *
     * @throws EngineException {@link ErrorCode#INFERENCE_FAILED} naming {@code what} when one Java buffer cannot hold it
     */
    static int checked(String what, long... dims) {
        long n;
        try {
            n = bytes(dims);
        } catch (ArithmeticException e) {
            n = Long.MAX_VALUE;
        }
        if (n > MAX_BYTES) {
            throw new EngineException(ErrorCode.INFERENCE_FAILED, tooLarge(what, n, dims));
        }
        return (int) n;
    }

    /** The sentence that refuses a buffer of {@code bytes} for {@code what}. */
    static String tooLarge(String what, long bytes, long... dims) {
        return what + " " + java.util.Arrays.toString(dims) + " needs "
                + (bytes == Long.MAX_VALUE ? "more than 2^63" : bytes) + " bytes, more than one Java buffer holds ("
                + MAX_BYTES + ")";
    }

    /**
     * The capacity a pooled buffer of {@code bytes} gets: the next power of two, so that a cache growing a
     * column per step reuses its buffer for many steps, at most {@link #MAX_BYTES}.
     */
    static int pooledCapacity(int bytes) {
        long rounded = Long.highestOneBit(Math.max(bytes, 4096) - 1L) << 1;
        return (int) Math.min(rounded, MAX_BYTES);
    }
}
