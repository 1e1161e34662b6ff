package dev.gptjt.engine.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gptjt.engine.ByteAutomaton;
import dev.gptjt.engine.Fixtures;
import dev.gptjt.engine.GenerationParams;
import dev.gptjt.engine.GenerationResult;
import dev.gptjt.engine.internal.sampling.ConstrainedSampler;
import dev.gptjt.engine.internal.sampling.Sampler;
import dev.gptjt.engine.internal.sampling.ShapeTables;
import dev.gptjt.engine.model.ModelConfig;
import dev.gptjt.engine.model.ModelDirectory;
import dev.gptjt.engine.testing.LiteralThenLetters;
import dev.gptjt.engine.tokenizer.Gpt2Tokenizer;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Guess-and-check against the Java loop's constrained row, with a stub model in place of the decoder (its logits a
 * function of the context: noise, leaning towards lowercase words): the row fed the stub's free runs and corrected
 * from its logits writes exactly what masking every step writes — tokens, forced tokens, finish reason, text — with
 * jump-forward on and off, stop sequences and tight budgets, whether the free runs are long or a token each.
 */
class CheckedRowTest {
    private static final ModelDirectory MODEL = ModelDirectory.open(Fixtures.tinyGptj());
    private static final ModelConfig CONFIG = MODEL.config();
    private static final Gpt2Tokenizer TOKENIZER = Gpt2Tokenizer.load(
            MODEL.root().resolve(ModelDirectory.VOCAB_FILE), MODEL.root().resolve(ModelDirectory.MERGES_FILE));
    private static final List<String> LITERALS = List.of("Answer:", " The final answer is:", "Zoë → 東京:", "");
    private static final boolean[] LOWERCASE = lowercaseWords();

    /** A stub decoder: noise seeded by the context, lowercase word tokens raised, EOS raised now and then. */
    private record StubModel(long seed) {
        float[] logits(int[] context) {
            long h = seed;
            for (int t : context) {
                h = h * 0x9E3779B97F4A7C15L + t;
            }
            SplittableRandom random = new SplittableRandom(h);
            float[] logits = new float[CONFIG.vocabSize()];
            for (int v = 0; v < logits.length; v++) {
                logits[v] = (float) random.nextDouble() + (v < LOWERCASE.length && LOWERCASE[v] ? 0.6f : 0f);
            }
            if (random.nextInt(4) == 0) {
                logits[CONFIG.eosTokenId()] += 2f;
            }
            return logits;
        }

        /** What in-graph greedy search writes after {@code context}: argmax after argmax, up to EOS. */
        int[] freeRun(int[] context, int tokens) {
            int[] run = new int[tokens];
            int[] sequence = context;
            for (int i = 0; i < tokens; i++) {
                run[i] = Sampler.argmax(logits(sequence));
                if (run[i] == CONFIG.eosTokenId()) {
                    return Arrays.copyOf(run, i + 1);
                }
                sequence = Arrays.copyOf(sequence, sequence.length + 1);
                sequence[sequence.length - 1] = run[i];
            }
            return run;
        }
    }

    @Test
    void shouldWriteWhatTheMaskedLoopWritesWithJumpForwardOnAndOff() {
        int corrections = 0;
        int resumed = 0;
        for (boolean jumpForward : new boolean[] {true, false}) {
            ShapeTables shapes = new ShapeTables(TOKENIZER, CONFIG.vocabSize(), CONFIG.eosTokenId(), jumpForward);
            for (int seed = 0; seed < 24; seed++) {
                StubModel model = new StubModel(seed);
                String literal = LITERALS.get(seed % LITERALS.size());
                int letters = 1 + seed % 7;
                int budget = seed % 3 == 0 ? 3 + seed % 5 : 32; // tight budgets cut the letters short
                GenerationParams params = GenerationParams.DEFAULTS.withMaxNewTokens(budget);
                if (seed % 4 == 1) {
                    params = params.withStop(List.of("e"));
                }
                PreparedRequest.Generation request = request(
                        "r" + seed, new int[] {464, 3139, 286, seed}, params, new LiteralThenLetters(literal, letters));
                GenerationResult want = masked(request, shapes, model);
                // the row's own windows from the whole budget or from a short first run; a token a run
                for (int[] windows :
                        new int[][] {{Integer.MAX_VALUE, Integer.MAX_VALUE}, {3, Integer.MAX_VALUE}, {1, 1}}) {
                    int runLength = windows[1];
                    CheckedRow row = new CheckedRow(request, shapes, windows[0]);
                    while (!row.finished()) {
                        int[] run = model.freeRun(row.context(), Math.min(runLength, row.window()));
                        CheckedRow.Next next = row.check(run, 0, run.length);
                        if (next == CheckedRow.Next.CORRECT) {
                            row.correct(model.logits(row.context()));
                        } else if (next == CheckedRow.Next.RESUME) {
                            resumed++;
                        }
                    }
                    GenerationResult got = row.state().result(0, 1, "checked", row.corrections(), row.runs());
                    String what = "seed " + seed + ", jump-forward " + jumpForward + ", runs of " + runLength;
                    assertArrayEquals(want.outputIds(), got.outputIds(), what);
                    assertEquals(want.text(), got.text(), what);
                    assertEquals(want.finishReason(), got.finishReason(), what);
                    assertEquals(want.forcedTokens(), got.forcedTokens(), what);
                    corrections += row.corrections();
                }
            }
        }
        assertTrue(corrections > 0, "the stub's picks are refused at times");
        assertTrue(resumed > 0, "runs that ran out or left the forced tokens were resumed");
    }

    @Test
    void shouldRefuseAFreeOrSampledRequest() {
        ShapeTables shapes = new ShapeTables(TOKENIZER, CONFIG.vocabSize(), CONFIG.eosTokenId(), true);
        GenerationParams sampled = GenerationParams.DEFAULTS.withSampling(0.8, 0, 1.0, 1L);
        org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class,
                () -> new CheckedRow(request("free", new int[] {1}, GenerationParams.DEFAULTS, null), shapes));
        org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class,
                () -> new CheckedRow(request("s", new int[] {1}, sampled, new LiteralThenLetters("a", 1)), shapes));
    }

    /** The Java loop's constrained row: every step masked, the pick, then what the shape forces. */
    private static GenerationResult masked(PreparedRequest.Generation request, ShapeTables shapes, StubModel model) {
        RowState state = new RowState(request, TOKENIZER, CONFIG.eosTokenId());
        ConstrainedSampler sampler = shapes.samplerOf(request);
        while (!state.finished()) {
            int[] context = context(request.promptIds(), state.tokens());
            state.accept(sampler.sample(model.logits(context)));
            if (!state.finished() && shapes.jumps() != null) {
                for (int forced : sampler.jump(shapes.jumps())) {
                    state.acceptForced(forced);
                    if (state.finished()) {
                        break;
                    }
                }
            }
        }
        return state.result(0, 1, "masked");
    }

    private static int[] context(int[] prompt, int[] written) {
        int[] context = Arrays.copyOf(prompt, prompt.length + written.length);
        System.arraycopy(written, 0, context, prompt.length, written.length);
        return context;
    }

    private static PreparedRequest.Generation request(
            String id, int[] prompt, GenerationParams params, ByteAutomaton shape) {
        return new PreparedRequest.Generation(id, prompt, params, 0, Long.MAX_VALUE, null, shape);
    }

    /** Token ids whose bytes are one to four lowercase letters. */
    private static boolean[] lowercaseWords() {
        boolean[] words = new boolean[TOKENIZER.vocabSize()];
        for (int v = 0; v < words.length; v++) {
            byte[] bytes = TOKENIZER.tokenBytes(v);
            boolean letters = bytes != null && bytes.length > 0 && bytes.length <= 4;
            for (int i = 0; letters && i < bytes.length; i++) {
                letters = bytes[i] >= 'a' && bytes[i] <= 'z';
            }
            words[v] = letters;
        }
        return words;
    }
}
