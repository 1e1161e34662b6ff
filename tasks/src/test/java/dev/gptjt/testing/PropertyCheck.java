package dev.gptjt.testing;

import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/**
 * Property tests as plain JUnit 5: {@link #forAll} draws each try's input from a {@link Random} of its own and runs
 * the check on it, stopping at the first failure with the property, the seed, the try and the whole input in the
 * message. No shrinking: the inputs are small enough to read, and the seed replays them exactly.
 *
 * <p>The seed is fresh each run, as jqwik's was: every build checks inputs no build checked before, and the seed that
 * found a failure is in its message. {@code -Dgptjt.property.seed=S} runs every property with seed {@code S}; adding
 * {@code -Dgptjt.property.try=N} runs only try {@code N} of it (each try's input depends only on the seed and the try
 * number, so the failing one is replayed without the tries before it).
 */
public final class PropertyCheck {
    /** The seed to replay; fresh when unset. */
    public static final String SEED = "gptjt.property.seed";
    /** The one try to replay (1-based, as failures name it); all of them when unset. */
    public static final String TRY = "gptjt.property.try";

    private PropertyCheck() {}

    /** How one try's input is made from that try's random source. */
    @FunctionalInterface
    public interface Generator<T> {
        T draw(Random random);
    }

    /** The invariant, asserted on one input. */
    @FunctionalInterface
    public interface Check<T> {
        void check(T input) throws Exception;
    }

    /**
     * Checks {@code check} on {@code tries} inputs drawn by {@code generator}; the property is named after the test
     * method that calls this.
     */
    public static <T> void forAll(int tries, Generator<T> generator, Check<T> check) {
        if (tries < 1) {
            throw new IllegalArgumentException("a property needs at least one try, not " + tries);
        }
        String property = caller();
        long seed = seed();
        int only = onlyTry(tries);
        for (int n = 1; n <= tries; n++) {
            if (only != 0 && n != only) {
                continue;
            }
            T input = null;
            try {
                input = generator.draw(new Random(trySeed(seed, n)));
                check.check(input);
            } catch (Exception | AssertionError failure) {
                throw new AssertionError(
                        property + " failed at try " + n + " of " + tries + " (seed " + seed + ")\n"
                                + "  input: " + (input == null ? "(its generator failed)" : describe(input)) + "\n"
                                + "  replay: -Dtest='" + property + "' -D" + SEED + "=" + seed + " -D" + TRY + "="
                                + n + "\n"
                                + "  " + failure,
                        failure);
            }
        }
        // the seed of a run that passed, too: a run that found nothing can still be repeated (and compared)
        System.out.printf(
                "property %s: %s passed, seed %d%n", property, only != 0 ? "try " + only : tries + " tries", seed);
    }

    /** Java-escaped and quoted: the whitespace and invisible characters of a generated string shown. */
    public static String quoted(String s) {
        StringBuilder out = new StringBuilder("\"");
        s.codePoints().forEach(c -> {
            switch (c) {
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (Character.isISOControl(c) || Character.getType(c) == Character.FORMAT) {
                        out.append(String.format("\\u%04x", c)); // a zero-width joiner is part of the input too
                    } else {
                        out.appendCodePoint(c);
                    }
                }
            }
        });
        return out.append('"').toString();
    }

    /** A record with each string component quoted, so an input that is all commas and spaces reads unambiguously. */
    static String describe(Object input) {
        if (input instanceof String s) {
            return quoted(s);
        }
        if (input == null || !input.getClass().isRecord()) {
            return String.valueOf(input);
        }
        StringBuilder out = new StringBuilder(input.getClass().getSimpleName()).append('[');
        RecordComponent[] components = input.getClass().getRecordComponents();
        for (int i = 0; i < components.length; i++) {
            Object value;
            try {
                // the inputs are records of the tests' own packages, not public to this one
                components[i].getAccessor().setAccessible(true);
                value = components[i].getAccessor().invoke(input);
            } catch (ReflectiveOperationException | RuntimeException e) {
                return input.toString(); // whole, if less plainly
            }
            out.append(i == 0 ? "" : ", ").append(components[i].getName()).append('=');
            out.append(describe(value));
        }
        return out.append(']').toString();
    }

    private static long seed() {
        String fixed = System.getProperty(SEED);
        if (fixed == null || fixed.isBlank()) {
            return ThreadLocalRandom.current().nextLong();
        }
        try {
            return Long.parseLong(fixed.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(SEED + " is a long (as a failure prints it), not '" + fixed + "'", e);
        }
    }

    /** The try asked for, 0 for all; one the property does not have is refused rather than passed by running none. */
    private static int onlyTry(int tries) {
        String asked = System.getProperty(TRY);
        if (asked == null || asked.isBlank()) {
            return 0;
        }
        int n;
        try {
            n = Integer.parseInt(asked.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    TRY + " is a try number (as a failure prints it), not '" + asked + "'", e);
        }
        if (n < 1 || n > tries) {
            throw new IllegalArgumentException(TRY + "=" + n + " asked, but this property has tries 1 to " + tries);
        }
        return n;
    }

    /** SplitMix64 of the seed's n-th step: tries independent of each other, each one a function of (seed, n). */
    static long trySeed(long seed, int n) {
        long z = seed + n * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * "Class#method" of the {@code @Test} method that called {@link #forAll}, through lambdas (an
     * {@code assertThrows} around it) if need be.
     */
    private static String caller() {
        List<StackWalker.StackFrame> frames = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE)
                .walk(stack -> stack.filter(f -> f.getDeclaringClass() != PropertyCheck.class)
                        .toList());
        StackWalker.StackFrame caller =
                frames.stream().filter(PropertyCheck::isTestMethod).findFirst().orElse(frames.get(0));
        return caller.getDeclaringClass().getSimpleName() + "#" + caller.getMethodName();
    }

    private static boolean isTestMethod(StackWalker.StackFrame frame) {
        return Arrays.stream(frame.getDeclaringClass().getDeclaredMethods())
                .anyMatch(m -> m.getName().equals(frame.getMethodName()) && m.isAnnotationPresent(Test.class));
    }
}
