package dev.gptjt.engine.graph;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The 4-bit numerics of {@code MatMulNBits}: a weight's columns cut into blocks along K, each block's scale and zero
 * point ({@code w ≈ (q − zero) · scale}), the codes packed two a byte (the even k in the low nibble), a block past K
 * padded with zeros. Symmetric blocks sit around the operator's default zero point 8, their scale the one of least
 * squared error from {@code max|w| / 7} down to half of it; asymmetric ones span their own [min, max].
 */
final class Int4Blocks {
    private Int4Blocks() {}

    /** 4-bit weights, scales, zero points (8 for every symmetric block) and blocks per column. */
    record Packed(byte[] q, float[] scales, int[] zeroPoints, int blocks) {
        /** The zero points as the operator takes them: two a byte, low nibble first, each column padded to a byte. */
        byte[] packedZeroPoints() {
            int perColumn = (blocks + 1) / 2;
            int columns = zeroPoints.length / blocks;
            byte[] out = new byte[columns * perColumn];
            for (int col = 0; col < columns; col++) {
                for (int b = 0; b < blocks; b++) {
                    out[col * perColumn + b / 2] |= (byte) (zeroPoints[col * blocks + b] << (b % 2 == 0 ? 0 : 4));
                }
            }
            return out;
        }

        /** The scales as the operator takes them: little-endian fp16 ({@code fp16}) or fp32. */
        byte[] scaleBytes(boolean fp16) {
            ByteBuffer out = ByteBuffer.allocate(scales.length * (fp16 ? 2 : 4)).order(ByteOrder.LITTLE_ENDIAN);
            for (float s : scales) {
                if (fp16) {
                    out.putShort(Fp16.bits(s));
                } else {
                    out.putFloat(s);
                }
            }
            return out.array();
        }
    }

    /** Quantizes a {@code [K, N]} weight ({@code [N, K]} when {@code transposed}) column by column. */
    static Packed pack(float[] w, int k, int n, boolean transposed, int block, boolean asymmetric) {
        int blocks = (k + block - 1) / block;
        int blob = block / 2;
        byte[] q = new byte[n * blocks * blob];
        float[] scales = new float[n * blocks];
        int[] zeros = new int[n * blocks];
        float[] values = new float[block];
        int[] codes = new int[block];
        for (int col = 0; col < n; col++) {
            for (int b = 0; b < blocks; b++) {
                int valid = Math.min(block, k - b * block);
                for (int j = 0; j < block; j++) {
                    int row = b * block + j;
                    values[j] = row < k ? (transposed ? w[col * k + row] : w[row * n + col]) : 0f;
                }
                Level level = asymmetric ? asymmetric(values, valid) : symmetric(values);
                scales[col * blocks + b] = level.scale();
                zeros[col * blocks + b] = level.zero();
                for (int j = 0; j < block; j++) {
                    codes[j] = code(values[j], level);
                }
                int offset = (col * blocks + b) * blob;
                for (int j = 0; j < block; j += 2) {
                    q[offset + j / 2] = (byte) (codes[j] | (codes[j + 1] << 4));
                }
            }
        }
        return new Packed(q, scales, zeros, blocks);
    }

    /** What the 4-bit weights stand for, {@code [K, N]}: {@code (q − zero) · scale}. */
    static float[] dequantize(Packed p, int k, int n, int block) {
        float[] w = new float[k * n];
        int blob = block / 2;
        for (int col = 0; col < n; col++) {
            for (int row = 0; row < k; row++) {
                int b = row / block;
                int j = row % block;
                int bits = p.q()[(col * p.blocks() + b) * blob + j / 2] & 0xff;
                int code = j % 2 == 0 ? bits & 0x0f : bits >>> 4;
                w[row * n + col] = (code - p.zeroPoints()[col * p.blocks() + b]) * p.scales()[col * p.blocks() + b];
            }
        }
        return w;
    }

    /** A block's step and zero point: {@code w ≈ (q − zero) · scale}. */
    private record Level(float scale, int zero) {}

    /**
     * Around zero point 8, the scale of least squared error among {@code max|w|/7} shrunk in 5% steps to
     * half of it: clipping the block's largest values a little buys every other value a finer step.
     */
    private static Level symmetric(float[] values) {
        float max = 0;
        for (float v : values) {
            max = Math.max(max, Math.abs(v));
        }
        Level best = new Level(max / 7f, 8);
        double bestError = Double.MAX_VALUE;
        for (int step = 0; step <= 10 && max > 0; step++) {
            Level l = new Level(max / 7f * (1f - 0.05f * step), 8);
            double error = error(values, l);
            if (error < bestError) {
                bestError = error;
                best = l;
            }
        }
        return best;
    }

    /** The block's own [min, max] in 15 steps (the padding past K is not part of it). */
    private static Level asymmetric(float[] values, int valid) {
        float min = 0;
        float max = 0;
        for (int j = 0; j < valid; j++) {
            min = Math.min(min, values[j]);
            max = Math.max(max, values[j]);
        }
        float scale = (max - min) / 15f;
        if (scale == 0) {
            return new Level(0, 8);
        }
        return new Level(scale, Math.max(0, Math.min(15, Math.round(-min / scale))));
    }

    private static double error(float[] values, Level l) {
        double error = 0;
        for (float v : values) {
            double d = v - (code(v, l) - l.zero()) * l.scale();
            error += d * d;
        }
        return error;
    }

    private static int code(float v, Level l) {
        if (l.scale() == 0) {
            return l.zero();
        }
        return Math.max(0, Math.min(15, Math.round(v / l.scale()) + l.zero()));
    }
}
