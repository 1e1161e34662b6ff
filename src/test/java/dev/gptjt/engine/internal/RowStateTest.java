package dev.gptjt.engine.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gptjt.engine.FinishReason;
import dev.gptjt.engine.Fixtures;
import dev.gptjt.engine.GenerationParams;
import dev.gptjt.engine.GenerationResult;
import dev.gptjt.engine.tokenizer.Gpt2Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The row finds its stop sequences in the bytes the tokens write, a step at a time, exactly where decoding the
 * whole output at every step (as it did before) finds them: same finish, same text, over random outputs of
 * multi-byte characters, tokens that split them, and stops that span tokens.
 */
class RowStateTest {
    private static final Gpt2Tokenizer TOKENIZER = Gpt2Tokenizer.load(
            Fixtures.tinyGptj().resolve("vocab.json"), Fixtures.tinyGptj().resolve("merges.txt"));
    private static final int EOS = 50_256;

    @Test
    void shouldStopWhereDecodingTheWholeOutputFindsTheFirstStop() {
        List<Integer> pool = new ArrayList<>();
        for (String text : List.of("a", "b", "ab", " Output", ":", "\n", "\n\n", "é", "😀", "東京", " x", "Out", "put")) {
            Arrays.stream(TOKENIZER.encode(text)).forEach(pool::add);
        }
        for (int id = 128; id < 256; id++) { // byte tokens that split a multi-byte character
            pool.add(id);
        }
        List<List<String>> stopSets = List.of(
                List.of("\n"),
                List.of("ab", "b"),
                List.of("Output:"),
                List.of("😀"),
                List.of("é", "京"),
                List.of("\n\n", "a"));
        Random random = new Random(7);
        int stopped = 0;
        for (int trial = 0; trial < 3000; trial++) {
            List<String> stops = stopSets.get(trial % stopSets.size());
            int max = 1 + random.nextInt(24);
            GenerationParams params =
                    GenerationParams.DEFAULTS.withMaxNewTokens(max).withStop(stops);
            RowState row = new RowState(
                    new PreparedRequest.Generation("r", new int[] {1}, params, 0, Long.MAX_VALUE, null),
                    TOKENIZER,
                    EOS);
            List<Integer> fed = new ArrayList<>();
            String expectedText = null;
            FinishReason expected = null;
            while (!row.finished()) {
                int token = pool.get(random.nextInt(pool.size()));
                row.accept(token);
                fed.add(token);
                String text = TOKENIZER.decode(
                        fed.stream().mapToInt(Integer::intValue).toArray());
                int cut = -1;
                for (String s : stops) {
                    int at = text.indexOf(s);
                    if (at >= 0 && (cut < 0 || at < cut)) {
                        cut = at;
                    }
                }
                if (cut >= 0) {
                    expected = FinishReason.STOP;
                    expectedText = text.substring(0, cut);
                    break;
                }
                if (fed.size() >= max) {
                    expected = FinishReason.LENGTH;
                    expectedText = text;
                    break;
                }
            }
            GenerationResult r = row.result(0, 1, "test");
            assertEquals(expected, r.finishReason(), "trial " + trial + " " + fed + " " + stops);
            assertEquals(expectedText, r.text(), "trial " + trial + " " + fed + " " + stops);
            stopped += expected == FinishReason.STOP ? 1 : 0;
        }
        System.out.println("rows ended by a stop sequence: " + stopped + " of 3000");
    }
}
