package dev.gptjt.tasks;

import static dev.gptjt.testing.PropertyCheck.forAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptjt.engine.DecodingBackend;
import dev.gptjt.engine.EngineConfig;
import dev.gptjt.engine.EngineListener;
import dev.gptjt.engine.GenerationParams;
import dev.gptjt.engine.GenerationRequest;
import dev.gptjt.engine.GenerationResult;
import dev.gptjt.engine.InferenceEngine;
import dev.gptjt.engine.Lane;
import dev.gptjt.engine.graph.GreedySearchConverter;
import dev.gptjt.engine.internal.ort.InGraphGreedyBackend;
import dev.gptjt.engine.model.ModelDirectory;
import dev.gptjt.testing.Draw;
import dev.gptjt.testing.PropertyCheck;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Constrained rows guessed and checked in-graph ({@code backend=in-graph} on the CPU EP) answer exactly as the Java
 * loop's constrained rows: the same tokens, text, finish reason, forced tokens and entities — on the demo model's
 * entity sentences (seen and unseen in its training), the card's pattern tasks, and the tiny fixture's noise (random
 * weights: its picks are refused all the time) over random inputs, types and tight budgets. Past the corrections'
 * bound a row is handed to the Java loop and answers there.
 */
class InGraphShapesTest {
    private static final Path MODELS = Path.of(System.getProperty("gptjt.models", "../models"));
    private static final Path DOCS = MODELS.getParent().resolve("docs/bench");
    private static final Duration MAX_WAIT = Duration.ofMillis(50);

    @TempDir
    static Path tmp;

    private static Map<String, TaskDefinition> tasks;
    private static InferenceEngine demoLoop;
    private static InferenceEngine demoGraph;
    private static InferenceEngine tinyLoop;
    private static InferenceEngine tinyGraph;

    @BeforeAll
    static void open() throws Exception {
        tasks = TaskProperties.load(MODELS.getParent().resolve("stream-app/src/main/resources/application.properties"));
        Path demo = converted("demo-gptj");
        Path tiny = converted("tiny-gptj");
        demoLoop = InferenceEngine.open(loop(demo));
        // no bound: rows stay in-graph however many corrections they take (the demo model's picks are refused often)
        demoGraph = InferenceEngine.open(graph(demo).withMaxCorrections(Integer.MAX_VALUE));
        tinyLoop = InferenceEngine.open(loop(tiny));
        // no bound: every row of the noise model stays in-graph, however many corrections it takes
        tinyGraph = InferenceEngine.open(graph(tiny).withMaxCorrections(Integer.MAX_VALUE));
    }

    @AfterAll
    static void close() {
        for (InferenceEngine e : new InferenceEngine[] {demoLoop, demoGraph, tinyLoop, tinyGraph}) {
            if (e != null) {
                e.close();
            }
        }
    }

    private static Path converted(String model) {
        Path out = tmp.resolve(model);
        GreedySearchConverter.convert(ModelDirectory.open(MODELS.resolve(model)), out);
        return out;
    }

    private static EngineConfig loop(Path model) {
        return EngineConfig.defaults(model)
                .withBackend(DecodingBackend.JAVA_LOOP)
                .withBatching(16, MAX_WAIT, 256);
    }

    private static EngineConfig graph(Path model) {
        return EngineConfig.defaults(model)
                .withBackend(DecodingBackend.IN_GRAPH)
                .withBatching(16, MAX_WAIT, 256);
    }

    @Test
    void shouldExtractTheDemoModelsEntitiesAsTheJavaLoopDoes() throws Exception {
        TaskDefinition entities = tasks.get("entities");
        assertEquals(TaskDefinition.OutputShape.SPANS, entities.output());
        List<String> sentences = new ArrayList<>(PatternShapeTest.inputs(DOCS.resolve("entities-seen.jsonl")));
        sentences.addAll(PatternShapeTest.inputs(DOCS.resolve("entities-unseen.jsonl")));
        List<Ask> requests = new ArrayList<>();
        for (int i = 0; i < sentences.size(); i++) {
            requests.add(new Ask(entities, "e" + i, sentences.get(i), paramsOf(entities)));
        }
        Tally tally = assertSameAnswers(demoLoop, demoGraph, requests);
        for (GenerationResult r : tally.inGraph()) {
            assertEquals(InGraphGreedyBackend.NAME, r.backend(), "no row of the demo model is handed back: " + r);
            assertTrue(EntityParser.parse(r.text()).size() > 0, r.text());
        }
        System.out.println("demo model, entities: " + tally);
    }

    @Test
    void shouldAnswerTheCardsPatternTasksAsTheJavaLoopDoes() throws Exception {
        List<Ask> requests = new ArrayList<>();
        for (Map.Entry<String, String> e : Map.of(
                        "currency", PatternShapeTest.CURRENCY, "data-cleaning", PatternShapeTest.CSV_LINE)
                .entrySet()) {
            TaskDefinition shaped = tasks.get(e.getKey()).withPattern(e.getValue());
            for (String input : PatternShapeTest.inputs(DOCS.resolve("card/" + e.getKey() + ".jsonl"))) {
                requests.add(new Ask(shaped, e.getKey() + requests.size(), input, paramsOf(shaped)));
            }
        }
        Tally tally = assertSameAnswers(demoLoop, demoGraph, requests);
        System.out.println("demo model, card patterns: " + tally);
    }

    /** Patterns of the card's tasks and of the pattern shape's tests: multi-byte literals and classes among them. */
    private static final List<String> PATTERNS = List.of(
            PatternShapeTest.CURRENCY,
            PatternShapeTest.CSV_LINE,
            "(yes|no)",
            "-?[0-9]+(\\.[0-9]+)?",
            "[a-zé€😀 ]{2,12}",
            "Zürich|Zöe|東京|🚀 launch");

    /**
     * A span list's input, typed or not (or, with a pattern, a generate task's input under it), and its budget: tight
     * ones cut the list short of what the model writes.
     */
    record NoiseCase(String input, boolean typed, String pattern, int budget, boolean stop) {
        static NoiseCase draw(Random random) {
            return new NoiseCase(
                    SpanListInputs.draw(random),
                    random.nextBoolean(),
                    random.nextInt(3) == 0 ? Draw.oneOf(random, PATTERNS) : null,
                    Draw.betweenWithEnds(random, 2, 24),
                    random.nextBoolean());
        }
    }

    @Test
    void shouldWriteWhatTheJavaLoopWritesUnderANoiseModelsCorrections() {
        TaskDefinition entities = tasks.get("entities");
        List<String> types = List.of("person", "place", "org", "p");
        forAll(
                12,
                random -> {
                    List<NoiseCase> batch = new ArrayList<>();
                    for (int i = 0; i < 6; i++) {
                        batch.add(NoiseCase.draw(random));
                    }
                    return batch;
                },
                batch -> {
                    List<Ask> requests = new ArrayList<>();
                    for (NoiseCase c : batch) {
                        TaskDefinition task = c.pattern() != null
                                ? tasks.get("currency").withPattern(c.pattern())
                                : c.typed() ? entities.withEntityTypes(types) : entities;
                        GenerationParams params = GenerationParams.DEFAULTS.withMaxNewTokens(c.budget());
                        requests.add(new Ask(
                                task,
                                "n" + requests.size(),
                                c.input(),
                                c.stop() ? params.withStop(task.stop()) : params));
                    }
                    Tally tally = assertSameAnswers(tinyLoop, tinyGraph, requests);
                    assertTrue(tally.corrections() > 0, "the noise model's picks are refused: " + tally);
                });
    }

    @Test
    void shouldHandARowPastItsCorrectionsToTheJavaLoop() {
        TaskDefinition entities = tasks.get("entities");
        List<Ask> requests = new ArrayList<>();
        for (String sentence : List.of("Zoë flew from São Paulo to 東京 with Acme Corp 🚀", "Seattle and Portland")) {
            requests.add(new Ask(entities, "h" + requests.size(), sentence, paramsOf(entities)));
        }
        AtomicInteger handedBack = new AtomicInteger();
        AtomicInteger checked = new AtomicInteger();
        EngineListener listener = new EngineListener() {
            @Override
            public void onHandedBack(Lane lane) {
                handedBack.incrementAndGet();
            }

            @Override
            public void onCheckedRow(Lane lane, int corrections, int runs) {
                checked.incrementAndGet();
            }
        };
        try (InferenceEngine bounded =
                InferenceEngine.open(graph(tmp.resolve("tiny-gptj")).withMaxCorrections(1), listener)) {
            Tally tally = assertSameAnswers(tinyLoop, bounded, requests);
            for (GenerationResult r : tally.inGraph()) {
                assertEquals("ort-java-loop", r.backend(), "handed back after its first correction: " + r);
            }
        }
        assertEquals(requests.size(), handedBack.get(), "each row handed back is told once");
        assertEquals(0, checked.get(), "no row ended in-graph");
    }

    @Test
    void shouldKeepConstrainedRowsOnTheJavaLoopWithAutoOnTheCpu() {
        TaskDefinition entities = tasks.get("entities");
        EngineConfig auto = EngineConfig.defaults(tmp.resolve("demo-gptj")).withBackend(DecodingBackend.AUTO);
        try (InferenceEngine engine = InferenceEngine.open(auto)) {
            GenerationResult r = engine.submit(
                            entities.generation("a", "Maria Lopez moved to Boston.", paramsOf(entities)))
                    .join();
            assertEquals("ort-java-loop", r.backend(), "the greedy graph is CUDA's under auto: " + r);
            assertEquals(0, r.inGraphRuns());
        }
    }

    private static GenerationParams paramsOf(TaskDefinition task) {
        return GenerationParams.DEFAULTS.withMaxNewTokens(task.maxNewTokens()).withStop(task.stop());
    }

    /** The in-graph engine's answers, and their corrections, forced tokens and operator runs in all. */
    record Tally(List<GenerationResult> inGraph, int corrections, int uncorrected, int forced, int tokens, int runs) {
        @Override
        public String toString() {
            return String.format(
                    "%d answers, %d tokens (%d forced), %d corrections (%.2f per answer), %d answers with none,"
                            + " %.2f operator runs per answer",
                    inGraph.size(),
                    tokens,
                    forced,
                    corrections,
                    (double) corrections / inGraph.size(),
                    uncorrected,
                    (double) runs / inGraph.size());
        }
    }

    /** A task's request for an input: made anew for each engine, since a span list's automaton serves one request. */
    record Ask(TaskDefinition task, String id, String input, GenerationParams params) {
        GenerationRequest request() {
            return task.generation(id, input, params);
        }
    }

    /** Submits every request to both engines at once (so each batches them) and compares the answers one by one. */
    private static Tally assertSameAnswers(InferenceEngine loop, InferenceEngine graph, List<Ask> requests) {
        List<CompletableFuture<GenerationResult>> expected =
                requests.stream().map(a -> loop.submit(a.request())).toList();
        List<CompletableFuture<GenerationResult>> actual =
                requests.stream().map(a -> graph.submit(a.request())).toList();
        List<GenerationResult> answers = new ArrayList<>();
        int corrections = 0;
        int uncorrected = 0;
        int forced = 0;
        int tokens = 0;
        int runs = 0;
        for (int i = 0; i < requests.size(); i++) {
            GenerationResult want = expected.get(i).join();
            GenerationResult got = actual.get(i).join();
            String what = requests.get(i).id() + " "
                    + PropertyCheck.quoted(requests.get(i).input()) + ": " + got;
            assertEquals("ort-java-loop", want.backend());
            assertArrayEquals(want.outputIds(), got.outputIds(), what);
            assertEquals(want.text(), got.text(), what);
            assertEquals(want.finishReason(), got.finishReason(), what);
            assertEquals(want.forcedTokens(), got.forcedTokens(), what);
            assertEquals(EntityParser.parse(want.text()), EntityParser.parse(got.text()), what);
            answers.add(got);
            corrections += got.corrections();
            uncorrected += got.corrections() == 0 ? 1 : 0;
            forced += got.forcedTokens();
            tokens += got.generatedTokens();
            runs += got.inGraphRuns();
        }
        return new Tally(answers, corrections, uncorrected, forced, tokens, runs);
    }
}
