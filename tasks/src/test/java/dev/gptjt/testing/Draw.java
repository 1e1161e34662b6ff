package dev.gptjt.testing;

import java.util.List;
import java.util.Random;

/** The draws the property generators are made of, each from the try's {@link Random}. */
public final class Draw {
    private Draw() {}

    /** One of {@code values}, each as likely (a value listed twice is twice as likely). */
    public static <T> T oneOf(Random random, List<T> values) {
        return values.get(random.nextInt(values.size()));
    }

    /** One of the enum's constants, each as likely. */
    public static <E extends Enum<E>> E oneOf(Random random, Class<E> type) {
        E[] values = type.getEnumConstants();
        return values[random.nextInt(values.length)];
    }

    /**
     * An int in {@code [min, max]}: each end a tenth of the time (where the bugs are: the tightest budget, the empty
     * list; jqwik mixed such edge cases in), otherwise any value as likely.
     */
    public static int betweenWithEnds(Random random, int min, int max) {
        if (min > max) {
            throw new IllegalArgumentException("[" + min + ", " + max + "] is empty");
        }
        int roll = random.nextInt(10);
        if (roll == 0) {
            return min;
        }
        if (roll == 1) {
            return max;
        }
        return min + random.nextInt(max - min + 1);
    }

    /** A range of characters, both ends included. */
    public record CharRange(char first, char last) {
        public CharRange {
            if (first > last) {
                throw new IllegalArgumentException("'" + first + "' comes after '" + last + "'");
            }
        }

        char draw(Random random) {
            return (char) (first + random.nextInt(last - first + 1));
        }
    }

    /**
     * A string of {@code minLength} to {@code maxLength} characters, each from a range picked first, each range as
     * likely: a small range (two CJK characters) is as present as ASCII, so multi-byte text is common.
     */
    public static String string(Random random, int minLength, int maxLength, List<CharRange> ranges) {
        int length = minLength + random.nextInt(maxLength - minLength + 1);
        StringBuilder s = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            s.append(oneOf(random, ranges).draw(random));
        }
        return s.toString();
    }
}
