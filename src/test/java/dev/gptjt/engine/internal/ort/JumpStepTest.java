package dev.gptjt.engine.internal.ort;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.gptjt.engine.EngineConfig;
import dev.gptjt.engine.Fixtures;
import dev.gptjt.engine.GenerationParams;
import dev.gptjt.engine.internal.PreparedRequest;
import dev.gptjt.engine.model.ModelDirectory;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The KV cache a jump-forward step leaves: one row feeds several tokens in a step while another feeds one after
 * masked pads (gaps in its cache), then both go on a token a step, then a merge closes the gaps. At every point each
 * row's next-token logits equal those of its whole sequence run alone in one prompt pass (within 1e-4): masked
 * columns, skipped position ids and the merge's runs of columns change nothing.
 */
class JumpStepTest {
    private static DecoderSession decoder;
    private static final int EOS = 50_256;

    @BeforeAll
    static void open() {
        decoder = DecoderSession.open(
                ModelDirectory.open(Fixtures.tinyGptj()), EngineConfig.defaults(Fixtures.tinyGptj()));
    }

    @AfterAll
    static void close() {
        decoder.close();
    }

    @Test
    void shouldGiveEachRowItsAloneLogitsThroughGapsAndTheMergeThatClosesThem() throws OrtException {
        int[][] prompts = {{464, 3139, 286, 4881, 318}, {15496, 11, 616}};
        int[][] fed = {{7, 8, 9}, {10}}; // row 0 jumps three tokens; row 1 takes one after two masked pads
        DecoderStepper stepper = new DecoderStepper(decoder, new KvCacheMerge.BufferPool());
        try (OrtSession.RunOptions options = new OrtSession.RunOptions()) {
            List<PreparedRequest> rows = List.of(request(prompts[0]), request(prompts[1]));
            DecoderStepper.Prompts p = DecoderStepper.Prompts.of(rows, EOS);
            int length = p.total();
            long[][] columns = {
                Arrays.copyOfRange(p.mask(), 0, length), Arrays.copyOfRange(p.mask(), length, 2 * length)
            };
            int[][] sequences = {prompts[0].clone(), prompts[1].clone()};
            KvCache cache = stepper.promptPass(p, rows, options);
            try {
                // the jump: width 3, row 1 right-aligned after two pads
                DecoderStepper.Output jump = step(stepper, cache, columns, sequences, fed, options);
                cache.close();
                cache = jump;
                assertAlone(jump, sequences, options);
                // a token a step, row 1 with its gap
                DecoderStepper.Output next =
                        step(stepper, cache, columns, sequences, new int[][] {{11}, {12}}, options);
                cache.close();
                cache = next;
                assertAlone(next, sequences, options);
                // the merge keeps each row's real columns only
                KvCache merged = KvCacheMerge.merge(
                        decoder,
                        List.of(
                                KvCacheMerge.Source.ofMask(cache, columns[0].length, 0, columns[0], 0),
                                KvCacheMerge.Source.ofMask(cache, columns[1].length, 1, columns[1], 0)),
                        new KvCacheMerge.BufferPool());
                cache.close();
                cache = merged;
                int mergedLength = ((KvCacheMerge.Merged) merged).length();
                for (int r = 0; r < 2; r++) {
                    long[] c = new long[mergedLength];
                    Arrays.fill(c, mergedLength - sequences[r].length, mergedLength, 1L);
                    columns[r] = c;
                }
                DecoderStepper.Output after =
                        step(stepper, cache, columns, sequences, new int[][] {{13}, {14, 15}}, options);
                cache.close();
                cache = after;
                assertAlone(after, sequences, options);
            } finally {
                cache.close();
            }
        }
    }

    /** One step as the Java loop runs it: each row's tokens right-aligned in the step's width, pads masked. */
    private static DecoderStepper.Output step(
            DecoderStepper stepper,
            KvCache cache,
            long[][] columns,
            int[][] sequences,
            int[][] tokens,
            OrtSession.RunOptions options)
            throws OrtException {
        int b = tokens.length;
        int length = columns[0].length;
        int width = Arrays.stream(tokens).mapToInt(t -> t.length).max().orElseThrow();
        int total = length + width;
        long[] ids = new long[b * width];
        long[] positions = new long[b * width];
        long[] mask = new long[b * total];
        Arrays.fill(ids, EOS);
        for (int r = 0; r < b; r++) {
            System.arraycopy(columns[r], 0, mask, r * total, length);
            int pads = width - tokens[r].length;
            for (int i = 0; i < width; i++) {
                positions[r * width + i] = sequences[r].length + Math.max(0, i - pads);
                if (i >= pads) {
                    ids[r * width + i] = tokens[r][i - pads];
                    mask[r * total + length + i] = 1;
                }
            }
            columns[r] = Arrays.copyOfRange(mask, r * total, (r + 1) * total);
            int[] longer = Arrays.copyOf(sequences[r], sequences[r].length + tokens[r].length);
            System.arraycopy(tokens[r], 0, longer, sequences[r].length, tokens[r].length);
            sequences[r] = longer;
        }
        return stepper.run(ids, mask, positions, b, width, total, cache, new int[] {width - 1}, options);
    }

    /** Each row's logits in {@code out} against its whole sequence run alone. */
    private static void assertAlone(DecoderStepper.Output out, int[][] sequences, OrtSession.RunOptions options)
            throws OrtException {
        int vocab = decoder.config().vocabSize();
        for (int r = 0; r < sequences.length; r++) {
            float[] batched = new float[vocab];
            out.row(r, 0, batched);
            float[] alone = new float[vocab];
            DecoderStepper stepper = new DecoderStepper(decoder, new KvCacheMerge.BufferPool());
            List<PreparedRequest> one = List.of(request(sequences[r]));
            try (DecoderStepper.Output pass = stepper.promptPass(DecoderStepper.Prompts.of(one, EOS), one, options)) {
                pass.row(0, 0, alone);
            }
            int row = r;
            double worst = IntStream.range(0, vocab)
                    .mapToDouble(i -> Math.abs(batched[i] - alone[i]))
                    .max()
                    .orElseThrow();
            assertTrue(worst < 1e-4, "row " + row + " after " + Arrays.toString(sequences[r]) + ": " + worst);
        }
    }

    private static PreparedRequest request(int[] tokens) {
        return new PreparedRequest.Generation(
                "r", tokens, GenerationParams.DEFAULTS, System.nanoTime(), Long.MAX_VALUE, null);
    }
}
