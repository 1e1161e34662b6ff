package dev.gptjt.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptjt.engine.testing.Await;
import dev.gptjt.engine.testing.StepGate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The task prefix cache against the plain path: a prompt that starts from a cached prefix gives the
 * same label with every probability within 1e-4, and the same tokens, as the whole prompt.
 */
public class PrefixCacheTest {
    public static final FewShotPrompt TWEET_HATE = new FewShotPrompt(
            "tweet-hate",
            "Label whether the following tweet contains hate speech against either immigrants or women. Hate Speech (HS) is commonly"
                    + " defined as any communication that disparages a person or a group on the basis of some characteristic such as race,"
                    + " colour, ethnicity, gender, sexual orientation, nationality, religion, or other characteristics.\n\nPossible labels:\n"
                    + "1. hate speech\n2. not hate speech\n\nTweet: {input}\nLabel:",
            List.of("hate speech", "not hate speech"));
    public static final FewShotPrompt SENTIMENT = new FewShotPrompt(
            "sentiment",
            "The task is to label the post's emotion as sadness, joy, love, anger, fear, or surprise.\n\nInput: I'm feeling quite sad\n"
                    + "Output: sadness\n\nInput: {input}\nOutput:",
            List.of("sadness", "joy", "love", "anger", "fear", "surprise"));
    public static final FewShotPrompt ENTITIES = new FewShotPrompt(
            "entities",
            "Extract all the names of people, places, and organizations from the following sentences.\n\nSentence: Satya Nadella, the"
                    + " CEO of Microsoft, was visiting the Bahamas last May.\nEntities: Satya Nadella, Microsoft, Bahamas\n\nSentence: {input}\nEntities:",
            List.of());
    /** Inputs of 1 to 60 tokens, starting with what tokenizes differently after the template's text. */
    public static final List<String> TWEETS = List.of(
            "hi",
            " leading space",
            "\nleading newline",
            "\n\nTwo newlines then text",
            "!!! punctuation first",
            "'s a contraction first",
            "😀 emoji first, then words 🙃",
            "<|endoftext|> typed as text",
            "ends with a space ",
            "1234 digits first",
            "Immigrants are welcome here, and so is everyone else who wants to work hard and build a life.",
            "women should be able to do whatever they want with their lives without anyone telling them otherwise, "
                    + "and the people who disagree are simply wrong about it, full stop, end of story, goodbye now, thanks");

    private static InferenceEngine plain;
    private static InferenceEngine cached;
    /** Open but for the test that holds a batch at its step boundaries while others join it. */
    private static final StepGate cachedGate = StepGate.open();

    /** The engines' max-wait: how long a lone queued request waits for company before it joins a running batch. */
    private static final Duration MAX_WAIT = Duration.ofMillis(50);

    @BeforeAll
    static void open() {
        EngineConfig config = EngineConfig.defaults(Fixtures.tinyGptj()).withBatching(8, MAX_WAIT, 64);
        plain = InferenceEngine.open(config);
        cached = cachedGate.open(config);
        for (FewShotPrompt task : List.of(TWEET_HATE, SENTIMENT, ENTITIES)) {
            assertTrue(cached.cachePrefix(task.prefix()).isPresent(), task.name());
        }
    }

    @AfterAll
    static void close() {
        plain.close();
        cached.close();
    }

    public static CompletableFuture<ClassificationResult> classify(
            InferenceEngine engine, FewShotPrompt task, String input) {
        return engine.classify(
                new ClassificationRequest(input, task.prompt(input), task.continuations(), task.lengthNormalized()));
    }

    public static void assertSameClassification(ClassificationResult expected, ClassificationResult actual) {
        assertEquals(expected.label(), actual.label(), actual.id());
        for (int j = 0; j < expected.scores().size(); j++) {
            assertEquals(
                    expected.scores().get(j).logProb(), actual.scores().get(j).logProb(), 1e-4, actual.id());
            assertEquals(
                    expected.scores().get(j).probability(),
                    actual.scores().get(j).probability(),
                    1e-4,
                    actual.id());
        }
        assertEquals(expected.promptTokens(), actual.promptTokens());
    }

    @Test
    void shouldCacheTheTemplateTextBeforeItsInputButItsLastWord() {
        PromptPrefix prefix = cached.cachePrefix(TWEET_HATE.prefix()).orElseThrow();
        int[] whole = cached.tokenizer().encode(TWEET_HATE.prefix());
        assertEquals(
                whole.length - 1,
                prefix.tokens().length,
                "'Tweet: ' ends in a space, which joins the input's first word");
        assertEquals(
                (long) prefix.tokens().length * 2 * 2 * 4 * 16 * 4,
                prefix.cacheBytes(),
                "2 layers x key/value x 4 heads x 16 x fp32");
        assertTrue(prefix == cached.cachePrefix(TWEET_HATE.prefix()).orElseThrow(), "the same text is cached once");
    }

    @Test
    void shouldClassifyFromTheCachedPrefixAsFromTheWholePrompt() {
        long hits = cached.prefixStats().hits();
        for (String tweet : TWEETS) {
            assertSameClassification(
                    classify(plain, TWEET_HATE, tweet).join(),
                    classify(cached, TWEET_HATE, tweet).join());
        }
        assertEquals(TWEETS.size(), cached.prefixStats().hits() - hits, "every tweet ran from the cache");
        assertEquals(0, cached.prefixStats().fallbacks());
    }

    @Test
    void shouldMixTasksAndRawPromptsInOneBatch() {
        List<Fixtures.GenerationCase> golden = Fixtures.generationCases();
        List<CompletableFuture<ClassificationResult>> hate = new ArrayList<>();
        List<CompletableFuture<ClassificationResult>> sentiment = new ArrayList<>();
        List<CompletableFuture<GenerationResult>> raw = new ArrayList<>();
        List<CompletableFuture<GenerationResult>> extractions = new ArrayList<>();
        GenerationParams greedy = GenerationParams.DEFAULTS.withMaxNewTokens(8).withIgnoreEos(true);
        for (int i = 0; i < 4; i++) {
            hate.add(classify(cached, TWEET_HATE, TWEETS.get(i * 3)));
            sentiment.add(classify(cached, SENTIMENT, TWEETS.get(i * 3 + 1)));
            raw.add(cached.submit(new GenerationRequest("raw" + i, golden.get(i).prompt(), greedy)));
            extractions.add(
                    cached.submit(new GenerationRequest("x" + i, ENTITIES.prompt(TWEETS.get(i * 3 + 2)), greedy)));
        }
        for (int i = 0; i < 4; i++) {
            assertSameClassification(
                    classify(plain, TWEET_HATE, TWEETS.get(i * 3)).join(),
                    hate.get(i).join());
            assertSameClassification(
                    classify(plain, SENTIMENT, TWEETS.get(i * 3 + 1)).join(),
                    sentiment.get(i).join());
            assertArrayEquals(
                    golden.get(i).hfOutputIds(), raw.get(i).join().outputIds(), "a raw prompt beside prefixed rows");
            GenerationResult whole = plain.submit(
                            new GenerationRequest("x", ENTITIES.prompt(TWEETS.get(i * 3 + 2)), greedy))
                    .join();
            assertArrayEquals(
                    whole.outputIds(), extractions.get(i).join().outputIds(), "an extraction from the cached prefix");
        }
    }

    @Test
    void shouldGenerateFromTheCachedPrefixWhileOthersJoinTheRunningBatch() throws Exception {
        GenerationParams longer = GenerationParams.DEFAULTS.withMaxNewTokens(40).withIgnoreEos(true);
        GenerationParams shorter = GenerationParams.DEFAULTS.withMaxNewTokens(8).withIgnoreEos(true);
        cachedGate.shutNow();
        CompletableFuture<GenerationResult> running;
        List<CompletableFuture<GenerationResult>> joined = new ArrayList<>();
        try {
            running = cached.submit(new GenerationRequest("long", ENTITIES.prompt(TWEETS.get(10)), longer));
            for (int i = 0; i < 6; i++) {
                // arrive while the first generates (held at a boundary): each joins at its own step boundary, once
                // it has waited out max-wait for company
                cachedGate.awaitHeld();
                long queuedAt = System.nanoTime();
                joined.add(cached.submit(new GenerationRequest("j" + i, ENTITIES.prompt(TWEETS.get(i)), shorter)));
                Await.until("max-wait to pass for j" + i, () -> System.nanoTime() - queuedAt > MAX_WAIT.toNanos());
                // boundary by boundary: the scheduler's max-wait counts from its own enqueue time, a little after ours
                cachedGate.stepUntil("j" + i + " to join the running batch", () -> cached.queued() == 0);
                assertFalse(running.isDone(), "j" + i + " joined while the long request ran");
            }
        } finally {
            cachedGate.release();
        }
        assertArrayEquals(
                plain.submit(new GenerationRequest("long", ENTITIES.prompt(TWEETS.get(10)), longer))
                        .join()
                        .outputIds(),
                running.join().outputIds());
        for (int i = 0; i < 6; i++) {
            assertArrayEquals(
                    plain.submit(new GenerationRequest("j", ENTITIES.prompt(TWEETS.get(i)), shorter))
                            .join()
                            .outputIds(),
                    joined.get(i).join().outputIds(),
                    TWEETS.get(i));
        }
    }

    @Test
    void shouldRunTheWholePromptAndCountItWhenTheTokensDifferAtTheBoundary() {
        try (InferenceEngine engine = InferenceEngine.open(EngineConfig.defaults(Fixtures.tinyGptj()))) {
            String text = "Tweet: ";
            // the whole text's tokens end in a lone space, which "Tweet: hello" tokenizes as " hello"
            engine.cachePrefix(text, engine.tokenizer().encode(text)).orElseThrow();
            ClassificationResult r = classify(
                            engine, new FewShotPrompt("t", "Tweet: {input}\nLabel:", TWEET_HATE.labels()), "hello")
                    .join();
            assertEquals(new InferenceEngine.PrefixStats(0, 1), engine.prefixStats());
            assertSameClassification(
                    plain.classify(new ClassificationRequest(
                                    "p", "Tweet: hello\nLabel:", TWEET_HATE.continuations(), false))
                            .join(),
                    r);
        }
    }

    @Test
    void shouldCacheNothingForATemplateWithNoTextBeforeItsInput() {
        FewShotPrompt bare = new FewShotPrompt("bare", "{input} Is it positive? A:", List.of("Yes", "No"));
        assertEquals("", bare.prefix());
        assertTrue(cached.cachePrefix(bare.prefix()).isEmpty());
        assertTrue(cached.cachePrefix("Label").isEmpty(), "one word: nothing is fixed");
        assertSameClassification(
                classify(plain, bare, "I love this!").join(),
                classify(cached, bare, "I love this!").join());
    }

    @Test
    void shouldServeAPrefixLongerThanHalfTheContext() {
        String examples =
                "Input: the weather is fine today and the sky is blue\nOutput: not hate speech\n\n".repeat(60);
        FewShotPrompt longTask = new FewShotPrompt("long", examples + "Input: {input}\nOutput:", TWEET_HATE.labels());
        PromptPrefix prefix = cached.cachePrefix(longTask.prefix()).orElseThrow();
        assertTrue(prefix.tokens().length > 1024, prefix.tokens().length + " tokens");
        for (String tweet : List.of(TWEETS.get(0), TWEETS.get(6), TWEETS.get(11))) {
            assertSameClassification(
                    classify(plain, longTask, tweet).join(),
                    classify(cached, longTask, tweet).join());
        }
    }
}
