package dev.gptjt.tasks;

import static dev.gptjt.engine.constraint.MaskOracle.EOS;
import static dev.gptjt.engine.constraint.MaskOracle.MASKS;
import static dev.gptjt.engine.constraint.MaskOracle.bruteForce;
import static dev.gptjt.engine.constraint.MaskOracle.ids;
import static dev.gptjt.engine.constraint.MaskOracle.walk;
import static dev.gptjt.testing.PropertyCheck.forAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gptjt.engine.EngineConfig;
import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.GenerationParams;
import dev.gptjt.engine.GenerationResult;
import dev.gptjt.engine.InferenceEngine;
import dev.gptjt.engine.constraint.MaskOracle;
import dev.gptjt.testing.Draw;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The {@code pattern} shape: masks over GPT-2's vocabulary equal a brute-force walk, are never empty, and every
 * walk within its budget writes lead + text the pattern matches (checked with {@code java.util.regex}) + stop; the
 * card's currency and data-cleaning tasks through the demo model always answer in their pattern; a bad pattern is
 * refused at start naming its key.
 */
class PatternShapeTest {
    private static final Path MODELS = Path.of(System.getProperty("gptjt.models", "../models"));
    static final String CURRENCY = "[A-Z][A-Za-z]+( [A-Z][A-Za-z]+)*";
    static final String CSV_LINE = "[^,\\n]+,[^,\\n]*,[0-9]{3}-[0-9]{3}-[0-9]{4}"; // \n as users write it
    private static final List<String> PATTERNS =
            List.of(CURRENCY, CSV_LINE, "(yes|no)", "-?[0-9]+(\\.[0-9]+)?", "[a-zé€😀 ]{2,12}", "a|ab|abc");

    /** A pattern and the seed of a random walk through its automaton. */
    record Walk(String pattern, long walkSeed) {
        static Walk draw(Random random) {
            return new Walk(Draw.oneOf(random, PATTERNS), random.nextLong());
        }
    }

    /** A walk within {@code budget} tokens, taking the longest token allowed or a random one. */
    record BudgetedWalk(String pattern, long walkSeed, boolean longest, int budget) {
        static BudgetedWalk draw(Random random) {
            return new BudgetedWalk(
                    Draw.oneOf(random, PATTERNS),
                    random.nextLong(),
                    random.nextBoolean(),
                    Draw.betweenWithEnds(random, 20, 40));
        }
    }

    @Test
    void shouldMaskExactlyWhatABruteForceWalkAllows() {
        forAll(30, Walk::draw, walk -> maskExactlyWhatABruteForceWalkAllows(walk.pattern(), walk.walkSeed()));
    }

    private static void maskExactlyWhatABruteForceWalkAllows(String pattern, long seed) {
        PatternAutomaton automaton = PatternAutomaton.of(pattern, " ", "\n");
        Random random = new Random(seed);
        int state = automaton.start();
        for (int step = 0; step < 10 && !automaton.accepting(state); step++) {
            long[] fast = MASKS.allowed(automaton, state);
            assertArrayEquals(bruteForce(automaton, state), fast, pattern + " step " + step);
            List<Integer> allowed = ids(fast);
            assertFalse(allowed.isEmpty(), pattern);
            state = walk(
                    automaton, state, MaskOracle.TOKENIZER.tokenBytes(allowed.get(random.nextInt(allowed.size()))));
        }
    }

    @Test
    void shouldAlwaysWriteTextThePatternMatchesWithinTheBudget() {
        forAll(
                80,
                BudgetedWalk::draw,
                walk -> alwaysWriteTextThePatternMatchesWithinTheBudget(
                        walk.pattern(), walk.walkSeed(), walk.longest(), walk.budget()));
    }

    private static void alwaysWriteTextThePatternMatchesWithinTheBudget(
            String pattern, long seed, boolean longest, int budget) {
        PatternAutomaton automaton = PatternAutomaton.of(pattern, " ", "\n");
        Random random = new Random(seed);
        ByteArrayOutputStream written = new ByteArrayOutputStream();
        int state = automaton.start();
        for (int step = 0; step < budget && !automaton.accepting(state); step++) {
            List<Integer> allowed = ids(MASKS.allowedWithin(automaton, state, budget - step));
            assertFalse(allowed.isEmpty(), pattern + " after " + written);
            int token = longest
                    ? allowed.stream()
                            .filter(id -> id != EOS)
                            .max((a, b) -> Integer.compare(
                                    MaskOracle.TOKENIZER.tokenBytes(a).length,
                                    MaskOracle.TOKENIZER.tokenBytes(b).length))
                            .orElseThrow()
                    : allowed.get(random.nextInt(allowed.size()));
            written.writeBytes(MaskOracle.TOKENIZER.tokenBytes(token));
            state = walk(automaton, state, MaskOracle.TOKENIZER.tokenBytes(token));
        }
        assertTrue(automaton.accepting(state), pattern + ": not closed within " + budget + ": " + written);
        String text = written.toString(StandardCharsets.UTF_8);
        assertTrue(text.startsWith(" ") && text.endsWith("\n"), text);
        String answer = text.substring(1, text.length() - 1);
        assertTrue(Pattern.compile(pattern).matcher(answer).matches(), pattern + " against " + answer);
    }

    @Test
    void shouldAnswerTheCardsCurrencyAndDataCleaningInputsInTheirPatterns() throws Exception {
        Map<String, TaskDefinition> tasks =
                TaskProperties.load(MODELS.getParent().resolve("stream-app/src/main/resources/application.properties"));
        Path card = MODELS.getParent().resolve("docs/bench/card");
        EngineConfig config =
                EngineConfig.defaults(MODELS.resolve("demo-gptj")).withBatching(16, Duration.ofMillis(50), 64);
        try (InferenceEngine engine = InferenceEngine.open(config)) {
            for (Map.Entry<String, String> e :
                    Map.of("currency", CURRENCY, "data-cleaning", CSV_LINE).entrySet()) {
                TaskDefinition free = tasks.get(e.getKey());
                TaskDefinition shaped = free.withPattern(e.getValue());
                GenerationParams params = GenerationParams.DEFAULTS
                        .withMaxNewTokens(free.maxNewTokens())
                        .withStop(free.stop());
                int matchedFree = 0;
                List<String> inputs = inputs(card.resolve(e.getKey() + ".jsonl"));
                for (String input : inputs) {
                    GenerationResult r =
                            engine.submit(shaped.generation("p", input, params)).join();
                    assertTrue(
                            Pattern.compile(e.getValue())
                                    .matcher(r.text().strip())
                                    .matches(),
                            e.getKey() + " " + input + ": " + r.text());
                    GenerationResult f =
                            engine.submit(free.generation("f", input, params)).join();
                    matchedFree += Pattern.compile(e.getValue())
                                    .matcher(f.text().strip())
                                    .matches()
                            ? 1
                            : 0;
                }
                System.out.printf(
                        "%s: %d of %d free answers match %s; under the pattern all%n",
                        e.getKey(), matchedFree, inputs.size(), e.getValue());
            }
        }
    }

    @Test
    void shouldRefuseAnInvalidPatternAtStartNamingTheKey() throws Exception {
        Path file = Files.createTempFile("tasks", ".properties");
        Files.writeString(file, """
                gptjt.tasks.price.template=Price of {input}:
                gptjt.tasks.price.output=pattern
                gptjt.tasks.price.output-pattern=[9-0]+
                """);
        EngineException e = assertThrows(EngineException.class, () -> TaskProperties.load(file));
        assertTrue(
                e.getMessage().contains("gptjt.tasks.price") && e.getMessage().contains("output-pattern"),
                e.getMessage());
        Files.writeString(file, """
                gptjt.tasks.price.template=Price of {input}:
                gptjt.tasks.price.mode=extract
                gptjt.tasks.price.output=pattern
                gptjt.tasks.price.output-pattern=[0-9]+
                """);
        EngineException extract = assertThrows(EngineException.class, () -> TaskProperties.load(file));
        assertTrue(extract.getMessage().contains("for generate tasks"), extract.getMessage());
        Files.delete(file);
    }

    static List<String> inputs(Path jsonl) throws Exception {
        List<String> out = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : Files.readAllLines(jsonl)) {
            if (!line.isBlank()) {
                JsonNode n = json.readTree(line);
                out.add(n.get("text").asText());
            }
        }
        return out;
    }
}
