package dev.gptjt.engine.graph;

/**
 * IEEE half-precision (fp16) values as the graph code writes and reads them: an fp16 export's weights and constants,
 * the 4-bit scales of an fp16 model.
 */
public final class Fp16 {
    private Fp16() {}

    /**
     * The IEEE half-precision bits of {@code f}, rounded to nearest, ties away from zero (ONNX Runtime rounds them
     * to even: 49 in a million random weights differ by one unit). Graph code stays off ONNX Runtime's own
     * conversion: it converts a model without a session.
     */
    public static short bits(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int magnitude = bits & 0x7fffffff;
        int rounded = magnitude + 0x1000;
        if (magnitude >= 0x7f800000) { // infinity or NaN
            return (short) (sign | 0x7c00 | (magnitude > 0x7f800000 ? 0x200 : 0));
        }
        if (rounded >= 0x47800000) { // past the largest half: infinity
            return (short) (sign | 0x7c00);
        }
        if (rounded >= 0x38800000) { // normal
            return (short) (sign | ((rounded - 0x38000000) >>> 13));
        }
        if (magnitude < 0x33000000) { // below half the smallest subnormal
            return (short) sign;
        }
        int exponent = magnitude >>> 23;
        int mantissa = (magnitude & 0x7fffff) | 0x800000;
        return (short) (sign | ((mantissa + (0x800000 >>> (exponent - 102))) >>> (126 - exponent)));
    }

    /** The float that half-precision bits {@code h} stand for (exact: every half is a float). */
    public static float value(short h) {
        int sign = (h & 0x8000) << 16;
        int exponent = (h >>> 10) & 0x1f;
        int mantissa = h & 0x3ff;
        if (exponent == 0x1f) { // infinity or NaN
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) { // zero or subnormal: mantissa · 2^-24
            float value = mantissa * 0x1p-24f;
            return sign == 0 ? value : -value;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }
}
