package dev.gptjt.tasks;

import static dev.gptjt.engine.constraint.MaskOracle.EOS;
import static dev.gptjt.engine.constraint.MaskOracle.MASKS;
import static dev.gptjt.engine.constraint.MaskOracle.TOKEN_BYTES;
import static dev.gptjt.engine.constraint.MaskOracle.bruteForce;
import static dev.gptjt.engine.constraint.MaskOracle.ids;
import static dev.gptjt.engine.constraint.MaskOracle.walk;
import static dev.gptjt.testing.PropertyCheck.forAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptjt.engine.ByteAutomaton;
import dev.gptjt.engine.constraint.MaskOracle;
import dev.gptjt.testing.Draw;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The {@code spans} shape's automaton under GPT-2's real vocabulary: the fast mask is the brute-force walk of every
 * token through the automaton, no mask is ever empty, and every walk over allowed tokens — random, or adversarial
 * (the longest token, separators as soon as allowed) — writes a list that {@link EntityParser} accepts, each
 * entity a word-aligned substring of the input, none twice, none overlapping another in the input.
 */
class SpanListAutomatonPropertiesTest {
    /** "p" is a prefix of two others: a type's state must keep every type it may still be. */
    private static final List<String> TYPES = List.of("person", "place", "org", "p");

    private static SpanListAutomaton.Format format(boolean typed) {
        return typed ? SpanListAutomaton.Format.DEFAULT.withTypes(TYPES) : SpanListAutomaton.Format.DEFAULT;
    }

    /** An input, typed or not, and the seed of a random walk through its list. */
    record Walk(String input, long walkSeed, boolean typed) {
        static Walk draw(Random random) {
            return new Walk(SpanListInputs.draw(random), random.nextLong(), random.nextBoolean());
        }
    }

    /** A walk that picks its tokens by {@code strategy}. */
    record StrategyWalk(String input, long walkSeed, Strategy strategy, boolean typed) {
        static StrategyWalk draw(Random random) {
            return new StrategyWalk(
                    SpanListInputs.draw(random),
                    random.nextLong(),
                    Draw.oneOf(random, Strategy.class),
                    random.nextBoolean());
        }
    }

    /** A walk within {@code budget} tokens. */
    record BudgetedWalk(String input, long walkSeed, Strategy strategy, int budget, boolean typed) {
        static BudgetedWalk draw(Random random) {
            return new BudgetedWalk(
                    SpanListInputs.draw(random),
                    random.nextLong(),
                    Draw.oneOf(random, Strategy.class),
                    Draw.betweenWithEnds(random, 6, 40),
                    random.nextBoolean());
        }
    }

    @Test
    void shouldMaskExactlyTheTokensABruteForceWalkAllows() {
        forAll(
                40,
                Walk::draw,
                walk -> maskExactlyTheTokensABruteForceWalkAllows(walk.input(), walk.walkSeed(), walk.typed()));
    }

    private static void maskExactlyTheTokensABruteForceWalkAllows(String input, long seed, boolean typed) {
        SpanListAutomaton automaton = SpanListAutomaton.of(input, format(typed));
        Random random = new Random(seed);
        int state = automaton.start();
        for (int step = 0; step < 12 && state != ByteAutomaton.DEAD; step++) {
            long[] fast = MASKS.allowed(automaton, state);
            long[] brute = bruteForce(automaton, state);
            assertArrayEquals(brute, fast, "input " + quoted(input) + " step " + step);
            List<Integer> allowed = ids(fast);
            assertFalse(allowed.isEmpty(), "an empty mask for " + quoted(input));
            int token = allowed.get(random.nextInt(allowed.size()));
            if (token == EOS) {
                break;
            }
            state = walk(automaton, state, TOKEN_BYTES[token]);
        }
    }

    @Test
    void shouldWriteOnlyListsTheParserAcceptsWithEverySpanFromTheInput() {
        forAll(
                150,
                StrategyWalk::draw,
                walk -> writeOnlyListsTheParserAcceptsWithEverySpanFromTheInput(
                        walk.input(), walk.walkSeed(), walk.strategy(), walk.typed()));
    }

    private static void writeOnlyListsTheParserAcceptsWithEverySpanFromTheInput(
            String input, long seed, Strategy strategy, boolean typed) {
        SpanListAutomaton automaton = SpanListAutomaton.of(input, format(typed));
        Random random = new Random(seed);
        ByteArrayOutputStream written = new ByteArrayOutputStream();
        int state = automaton.start();
        for (int step = 0; step < 400; step++) {
            List<Integer> allowed = ids(MASKS.allowed(automaton, state));
            assertFalse(
                    allowed.isEmpty(),
                    "an empty mask for " + quoted(input) + " after "
                            + quoted(written.toString(StandardCharsets.UTF_8)));
            int token = strategy.pick(allowed, random);
            if (token == EOS) {
                assertTrue(automaton.accepting(state));
                break;
            }
            written.writeBytes(TOKEN_BYTES[token]);
            state = walk(automaton, state, TOKEN_BYTES[token]);
        }
        if (!automaton.accepting(state)) {
            return; // a random walk through a long input's many spans may take more steps: its prefix was checked
        }
        String output = written.toString(StandardCharsets.UTF_8);
        assertTrue(output.startsWith(" ") && output.endsWith("\n"), quoted(output));
        List<EntityParser.ExtractedEntity> entities = EntityParser.parse(output);
        String[] items = output.substring(1, output.length() - 1).split(", ", -1);
        if (items.length == 1 && items[0].equals("none")) {
            assertTrue(entities.isEmpty(), quoted(output));
            return;
        }
        assertEquals(items.length, entities.size(), "every item is one entity: " + quoted(output));
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < items.length; i++) {
            String text = entities.get(i).text();
            String type = entities.get(i).type();
            assertEquals(
                    typed ? text + " (" + type + ")" : text,
                    items[i],
                    "the parser keeps each item as written: " + quoted(output));
            assertTrue(typed ? TYPES.contains(type) : type == null, quoted(output));
            assertTrue(automaton.spans().contains(text), quoted(text) + " is a span of " + quoted(input));
            assertTrue(input.contains(text), quoted(text) + " is in " + quoted(input));
            assertTrue(seen.add(text.toLowerCase(Locale.ROOT)), "written twice: " + quoted(output));
        }
    }

    @Test
    void shouldCloseEveryListWithinItsTokenBudget() {
        forAll(
                100,
                BudgetedWalk::draw,
                walk -> closeEveryListWithinItsTokenBudget(
                        walk.input(), walk.walkSeed(), walk.strategy(), walk.budget(), walk.typed()));
    }

    private static void closeEveryListWithinItsTokenBudget(
            String input, long seed, Strategy strategy, int budget, boolean typed) {
        SpanListAutomaton automaton = SpanListAutomaton.of(input, format(typed));
        Random random = new Random(seed);
        int state = automaton.start();
        assertTrue(automaton.bytesToAccept(state) <= budget, "' none\\n' fits any budget of 6 or more");
        StringBuilder written = new StringBuilder();
        for (int step = 0; step < budget && !automaton.accepting(state); step++) {
            // the engine's rule: the shortest way to the end must fit in the tokens left after this one
            List<Integer> allowed = ids(MASKS.allowedWithin(automaton, state, budget - step));
            assertFalse(
                    allowed.isEmpty(), "an empty mask for " + quoted(input) + " after " + quoted(written.toString()));
            int token = strategy == Strategy.SHORTEST
                    ? Strategy.RANDOM.pick(allowed, random)
                    : strategy.pick(allowed, random);
            written.append(new String(TOKEN_BYTES[token], StandardCharsets.ISO_8859_1));
            state = walk(automaton, state, TOKEN_BYTES[token]);
        }
        assertTrue(
                automaton.accepting(state),
                "closed within " + budget + " tokens: " + quoted(written.toString()) + " for " + quoted(input));
    }

    @Test
    void shouldCountTheFewestBytesToTheEndAsABreadthFirstSearchDoes() {
        forAll(
                25,
                Walk::draw,
                walk -> countTheFewestBytesToTheEndAsABreadthFirstSearchDoes(
                        walk.input(), walk.walkSeed(), walk.typed()));
    }

    private static void countTheFewestBytesToTheEndAsABreadthFirstSearchDoes(String input, long seed, boolean typed) {
        SpanListAutomaton automaton = SpanListAutomaton.of(input, format(typed));
        Random random = new Random(seed);
        int state = automaton.start();
        for (int step = 0; step < 8 && !automaton.accepting(state); step++) {
            assertEquals(breadthFirst(automaton, state), automaton.bytesToAccept(state), quoted(input));
            List<Integer> allowed = ids(MASKS.allowed(automaton, state));
            int token = allowed.get(random.nextInt(allowed.size()));
            if (token == EOS) {
                break;
            }
            state = walk(automaton, state, TOKEN_BYTES[token]);
        }
    }

    private static int breadthFirst(ByteAutomaton automaton, int from) {
        java.util.Map<Integer, Integer> distance = new java.util.HashMap<>();
        java.util.ArrayDeque<Integer> queue = new java.util.ArrayDeque<>();
        distance.put(from, 0);
        queue.add(from);
        while (!queue.isEmpty()) {
            int s = queue.poll();
            if (automaton.accepting(s)) {
                return distance.get(s);
            }
            for (int b = 0; b < 256; b++) {
                int t = automaton.next(s, b);
                if (t != ByteAutomaton.DEAD && !distance.containsKey(t)) {
                    distance.put(t, distance.get(s) + 1);
                    queue.add(t);
                }
            }
        }
        return Integer.MAX_VALUE;
    }

    @Test
    void shouldAllowOnlyNoneForAnEmptyInputAndNeverTheUnusedIds() {
        SpanListAutomaton automaton = SpanListAutomaton.of("", SpanListAutomaton.Format.DEFAULT);
        assertTrue(automaton.spans().isEmpty());
        int state = walk(automaton, automaton.start(), " none\n".getBytes(StandardCharsets.UTF_8));
        assertTrue(automaton.accepting(state));
        assertEquals(List.of(EOS), ids(MASKS.allowed(automaton, state)));
        SpanListAutomaton seattle = SpanListAutomaton.of("Seattle", SpanListAutomaton.Format.DEFAULT);
        for (int id : ids(MASKS.allowed(seattle, seattle.start()))) {
            assertTrue(id < 50_257, "id " + id + " stands for no text");
        }
    }

    @Test
    void shouldNeverWriteAMentionOverlappingOneWrittenAlready() {
        SpanListAutomaton automaton = SpanListAutomaton.of(
                "Maria Lopez moved from Denver to Boston last spring.", SpanListAutomaton.Format.DEFAULT);
        int afterBoston = walk(automaton, automaton.start(), " Boston, ".getBytes(StandardCharsets.UTF_8));
        assertTrue(afterBoston != ByteAutomaton.DEAD);
        for (String next : List.of("Boston\n", "Boston last", "to Boston", "Denver to Boston", "last spring")) {
            boolean overlaps = !next.equals("last spring");
            assertEquals(
                    overlaps,
                    walk(automaton, afterBoston, next.getBytes(StandardCharsets.UTF_8)) == ByteAutomaton.DEAD,
                    next);
        }
    }

    @Test
    void shouldTakeWordAlignedSpansAsTheParserTrimsThem() {
        assertEquals(
                List.of(
                        "Satya",
                        "Satya Nadella",
                        "Nadella",
                        "the",
                        "the CEO",
                        "the CEO of",
                        "the CEO of Microsoft",
                        "CEO",
                        "CEO of",
                        "CEO of Microsoft",
                        "of",
                        "of Microsoft",
                        "Microsoft"),
                SpanListAutomaton.spansOf("Satya Nadella, the CEO of Microsoft.", SpanListAutomaton.Format.DEFAULT));
        assertEquals(
                List.of("Bob"),
                SpanListAutomaton.spansOf("<|endoftext|> Bob", SpanListAutomaton.Format.DEFAULT),
                "typed by a user it is text, and the parser splits at '|': no span holds one");
    }

    /** How a walk picks among the allowed tokens. */
    enum Strategy {
        RANDOM,
        /** The token with the most bytes: long tokens that span a separator and the next item's start. */
        LONGEST,
        /** End-of-sequence, the end or a separator as soon as allowed: the shortest lists and items. */
        SHORTEST;

        int pick(List<Integer> allowed, Random random) {
            return switch (this) {
                case RANDOM -> allowed.get(random.nextInt(allowed.size()));
                case LONGEST ->
                    allowed.stream()
                            .max((a, b) -> Integer.compare(length(a), length(b)))
                            .orElseThrow();
                case SHORTEST ->
                    allowed.contains(EOS)
                            ? EOS
                            : allowed.stream()
                                    .filter(id -> TOKEN_BYTES[id][0] == '\n' || TOKEN_BYTES[id][0] == ',')
                                    .findFirst()
                                    .orElse(allowed.get(random.nextInt(allowed.size())));
            };
        }

        private static int length(int id) {
            return MaskOracle.length(id);
        }
    }

    private static String quoted(String s) {
        return '"' + s.replace("\n", "\\n") + '"';
    }
}
