package dev.gptjt.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptjt.testing.elsewhere.ElsewhereInputs;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The property harness: every try run, a failure's message enough to replay it, and a replay the same inputs. */
class PropertyCheckTest {
    record Case(String text, long number) {
        static Case draw(Random random) {
            return new Case(
                    Draw.string(random, 0, 6, List.of(new Draw.CharRange('a', 'c'))) + ",\n", random.nextLong());
        }
    }

    // a replay asked for on the command line (-Dgptjt.property.seed) is kept for the property tests after these
    private final String seedAsked = System.getProperty(PropertyCheck.SEED);
    private final String tryAsked = System.getProperty(PropertyCheck.TRY);

    @AfterEach
    void restoreTheReplayAskedFor() {
        restore(PropertyCheck.SEED, seedAsked);
        restore(PropertyCheck.TRY, tryAsked);
    }

    private static void restore(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }

    @Test
    void shouldRunEveryTryOnItsOwnInput() {
        System.clearProperty(PropertyCheck.SEED);
        System.clearProperty(PropertyCheck.TRY);
        List<Case> seen = new ArrayList<>();
        PropertyCheck.forAll(200, Case::draw, seen::add);
        assertEquals(200, seen.size());
        assertTrue(new TreeSet<>(seen.stream().map(Case::number).toList()).size() > 190, "the tries differ");
    }

    @Test
    void shouldNameThePropertyTheSeedTheTryAndTheWholeInputWhenACheckFails() {
        System.setProperty(PropertyCheck.SEED, "42");
        System.clearProperty(PropertyCheck.TRY);
        List<Case> seen = new ArrayList<>();
        AssertionError failure = assertThrows(
                AssertionError.class,
                () -> PropertyCheck.forAll(50, Case::draw, c -> {
                    seen.add(c);
                    assertTrue(seen.size() < 7, "the seventh fails");
                }));
        Case seventh = seen.get(6);
        String message = failure.getMessage();
        assertTrue(
                message.startsWith("PropertyCheckTest#shouldNameThePropertyTheSeedTheTryAndTheWholeInputWhenACheckFails"
                        + " failed at try 7 of 50 (seed 42)"),
                message);
        assertTrue(
                message.contains("input: Case[text=" + PropertyCheck.quoted(seventh.text()) + ", number="
                        + seventh.number() + "]"),
                message);
        assertTrue(message.contains("-Dgptjt.property.seed=42 -Dgptjt.property.try=7"), message);
        assertTrue(message.contains("the seventh fails"), "the check's own message: " + message);
        assertTrue(failure.getCause().getMessage().startsWith("the seventh fails"), "the check's failure is the cause");
        assertEquals(7, seen.size(), "no try after the first failure");
    }

    @Test
    void shouldDrawTheSameInputsFromTheSameSeedAndOthersFromAnother() {
        System.setProperty(PropertyCheck.SEED, "-7");
        System.clearProperty(PropertyCheck.TRY);
        List<Case> first = new ArrayList<>();
        PropertyCheck.forAll(30, Case::draw, first::add);
        List<Case> again = new ArrayList<>();
        PropertyCheck.forAll(30, Case::draw, again::add);
        assertEquals(first, again);
        System.setProperty(PropertyCheck.SEED, "8");
        List<Case> other = new ArrayList<>();
        PropertyCheck.forAll(30, Case::draw, other::add);
        assertNotEquals(first, other);
    }

    @Test
    void shouldReplayOnlyTheNamedTryWithTheInputItHadInTheFullRun() {
        System.setProperty(PropertyCheck.SEED, "123456789");
        System.clearProperty(PropertyCheck.TRY);
        List<Case> all = new ArrayList<>();
        PropertyCheck.forAll(20, Case::draw, all::add);
        System.setProperty(PropertyCheck.TRY, "13");
        List<Case> replayed = new ArrayList<>();
        PropertyCheck.forAll(20, Case::draw, replayed::add);
        assertEquals(List.of(all.get(12)), replayed);
    }

    @Test
    void shouldRefuseToReplayATryThePropertyDoesNotHave() {
        System.setProperty(PropertyCheck.SEED, "5");
        System.setProperty(PropertyCheck.TRY, "21");
        List<Case> seen = new ArrayList<>();
        IllegalArgumentException refused =
                assertThrows(IllegalArgumentException.class, () -> PropertyCheck.forAll(20, Case::draw, seen::add));
        assertTrue(refused.getMessage().contains("tries 1 to 20"), refused.getMessage());
        assertTrue(seen.isEmpty(), "a replay that checks nothing must not pass");
    }

    @Test
    void shouldNameTheSeedAndTryWhenTheGeneratorItselfFails() {
        System.setProperty(PropertyCheck.SEED, "11");
        System.clearProperty(PropertyCheck.TRY);
        AssertionError failure = assertThrows(
                AssertionError.class,
                () -> PropertyCheck.forAll(
                        10,
                        random -> {
                            throw new IllegalStateException("no input today");
                        },
                        input -> {}));
        assertTrue(failure.getMessage().contains("failed at try 1 of 10 (seed 11)"), failure.getMessage());
        assertTrue(failure.getMessage().contains("(its generator failed)"), failure.getMessage());
        assertTrue(failure.getMessage().contains("no input today"), failure.getMessage());
    }

    @Test
    void shouldShowTheWholeInputOfATestInAnotherPackage() {
        // the property tests' inputs are package-private records of their own packages, not of this one
        assertEquals(
                "Walk[input=\"Seattle, Portland\", walkSeed=-3, typed=true]",
                PropertyCheck.describe(ElsewhereInputs.walk("Seattle, Portland", -3L, true)));
    }

    @Test
    void shouldShowWhitespaceAndInvisibleCharactersOfAnInput() {
        assertEquals("\"a, b\\n\\t\\\"c\\\" 👩\\u200d💻\"", PropertyCheck.quoted("a, b\n\t\"c\" 👩\u200d💻"));
    }
}
