package dev.gptjt.engine.constraint;

import dev.gptjt.engine.ByteAutomaton;
import dev.gptjt.engine.tokenizer.Gpt2Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * GPT-J's vocabulary (the committed fixture's tokenizer, 50 400 logits) and the slow answers {@link TokenMask}'s
 * fast masks are checked against: every token's bytes walked through the automaton. In tasks' tests (a package split
 * with the engine's) because the automata it checks, the output shapes', are tasks'.
 */
public final class MaskOracle {
    /** GPT-J's logits: 143 ids past the vocabulary stand for no text. */
    public static final int LOGITS = 50_400;

    public static final int EOS = 50_256;
    public static final Gpt2Tokenizer TOKENIZER = tokenizer();
    public static final TokenMask MASKS = TokenMask.of(TOKENIZER, LOGITS, EOS);
    /** Each id's bytes; {@code null} for end-of-sequence and the ids that stand for no text. */
    public static final byte[][] TOKEN_BYTES = tokenBytes();

    private MaskOracle() {}

    private static Gpt2Tokenizer tokenizer() {
        Path models = Path.of(System.getProperty("gptjt.models", "../models"));
        return Gpt2Tokenizer.load(models.resolve("tiny-gptj/vocab.json"), models.resolve("tiny-gptj/merges.txt"));
    }

    private static byte[][] tokenBytes() {
        byte[][] bytes = new byte[LOGITS][];
        for (int id = 0; id < LOGITS; id++) {
            bytes[id] = id == EOS ? null : TOKENIZER.tokenBytes(id);
        }
        return bytes;
    }

    /** Bytes of {@code id}; 0 for end-of-sequence and the ids that stand for no text. */
    public static int length(int id) {
        return TOKEN_BYTES[id] == null ? 0 : TOKEN_BYTES[id].length;
    }

    /** The mask by brute force: every token's bytes through the automaton, EOS where it accepts. */
    public static long[] bruteForce(ByteAutomaton automaton, int state) {
        long[] bits = new long[(LOGITS + 63) >>> 6];
        for (int id = 0; id < LOGITS; id++) {
            boolean allowed = id == EOS
                    ? automaton.accepting(state)
                    : TOKEN_BYTES[id] != null && walk(automaton, state, TOKEN_BYTES[id]) != ByteAutomaton.DEAD;
            if (allowed) {
                bits[id >>> 6] |= 1L << id;
            }
        }
        return bits;
    }

    /** The state after {@code bytes}, or {@link ByteAutomaton#DEAD}. */
    public static int walk(ByteAutomaton automaton, int state, byte[] bytes) {
        for (byte b : bytes) {
            state = automaton.next(state, b & 0xff);
            if (state == ByteAutomaton.DEAD) {
                return state;
            }
        }
        return state;
    }

    /** The ids set in {@code bits}, ascending. */
    public static List<Integer> ids(long[] bits) {
        List<Integer> ids = new ArrayList<>();
        for (int id = 0; id < LOGITS; id++) {
            if (TokenMask.contains(bits, id)) {
                ids.add(id);
            }
        }
        return ids;
    }
}
