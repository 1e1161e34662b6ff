package dev.gptjt.engine.constraint;

import dev.gptjt.engine.ByteAutomaton;
import dev.gptjt.engine.tokenizer.Gpt2Tokenizer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The tokens an output's shape forces: where the automaton lets exactly one byte through at each step (a separator,
 * the rest of the only span that fits, the closing newline), the engine writes those bytes as tokens in one
 * multi-token pass of the decoder instead of a step per token — SGLang's jump-forward, llguidance's forced tokens.
 *
 * <p>The forced bytes are tokenized as GPT-2 would tokenize them, and then only the tokens no continuation could
 * cut differently are kept, so that a model choosing freely at each step would have written the same tokens:
 * <ol>
 *   <li>where the forced bytes continue the output's last word (the rest of a span after its first letters), that
 *       word is tokenized whole, and nothing is forced unless its tokens so far are where GPT-2 would cut it;
 *   <li>the forced bytes end on a whole UTF-8 character;
 *   <li>the last pre-tokenized word is dropped when a byte the shape allows after the run would change it (letters
 *       extend a word, a space joins the word after it): BPE may merge that word's tokens differently then;
 *   <li>trailing tokens are dropped while a vocabulary token starting where one starts could span past the run
 *       (llguidance's rule): the model may pick that longer token.
 * </ol>
 * Where the shape is complete and nothing may follow, end-of-sequence is forced too. Immutable; shared by every row.
 */
public final class JumpForward {
    /** Most bytes looked ahead in one jump: a span or a separator is far shorter. */
    private static final int MAX_RUN = 256;
    /** Most bytes of the output read back for the word the forced bytes may continue. */
    private static final int MAX_WORD = 64;

    private static final int[] NONE = new int[0];

    private final TokenMask masks;
    private final Gpt2Tokenizer tokenizer;

    private JumpForward(TokenMask masks, Gpt2Tokenizer tokenizer) {
        this.masks = masks;
        this.tokenizer = tokenizer;
    }

    /** Forced tokens over {@code masks}' vocabulary, which {@code tokenizer} made. */
    public static JumpForward of(TokenMask masks, Gpt2Tokenizer tokenizer) {
        return new JumpForward(masks, tokenizer);
    }

    /**
     * The tokens {@code automaton} forces from {@code state}, at most {@code tokensLeft}: empty where the model has a
     * choice, the end-of-sequence id last where the output must end there.
     *
     * @param state   a state of {@code automaton} other than {@link ByteAutomaton#DEAD}: where
     *                {@code written[0, writtenLength)}, the output so far, led
     * @param written the output's bytes so far (only its last word is read)
     */
    public int[] forced(ByteAutomaton automaton, int state, int tokensLeft, byte[] written, int writtenLength) {
        if (tokensLeft <= 0) {
            return NONE;
        }
        byte[] run = new byte[16];
        int[] states = new int[17]; // states[i]: after i forced bytes
        states[0] = state;
        int n = 0;
        int s = state;
        while (n < MAX_RUN && !automaton.accepting(s)) {
            int[] live = automaton.liveBytes(s);
            if (live.length != 1) {
                break;
            }
            if (n == run.length) {
                run = Arrays.copyOf(run, n * 2);
                states = Arrays.copyOf(states, n * 2 + 1);
            }
            run[n++] = (byte) live[0];
            s = automaton.next(s, live[0]);
            states[n] = s;
        }
        boolean mustEnd = automaton.accepting(s) && automaton.liveBytes(s).length == 0;
        if (n == 0) {
            return mustEnd ? new int[] {masks.eosTokenId()} : NONE;
        }
        int end = wholeCharacters(run, n);
        String tail = tail(written, writtenLength);
        if (end == 0 || tail == null) {
            return NONE; // the run or the output ends inside a character: nothing to tokenize as text
        }
        String text = new String(run, 0, end, StandardCharsets.UTF_8);
        String word = "";
        if (!tail.isEmpty() && tokenizer.changesLastWord(tail, text.substring(0, text.offsetByCodePoints(0, 1)))) {
            word = tokenizer.lastWord(tail);
            if (word.equals(tail) && writtenLength > MAX_WORD) {
                return NONE; // the word is longer than what was read back
            }
        }
        int[] all = tokenizer.encode(word + text);
        int[] before = tokenizer.encode(word);
        if (!Arrays.equals(all, 0, Math.min(before.length, all.length), before, 0, before.length)) {
            return NONE; // with the forced bytes GPT-2 cuts the word before them elsewhere
        }
        int[] tokens = Arrays.copyOfRange(all, before.length, all.length);
        int keep = tokens.length;
        int after = states[end];
        if (end < n || !mustEnd) {
            if (lastWordMayChange(automaton, after, word + text, end < n)) {
                keep = Math.max(0, tokenizer.encodeFixedPrefix(word + text).length - before.length);
            }
            int[] starts = starts(tokens);
            while (keep > 0 && masks.continuesPast(run, starts[keep - 1], end, automaton, after)) {
                keep--;
            }
        }
        boolean whole = keep == tokens.length && end == n && mustEnd;
        int count = Math.min(keep, tokensLeft);
        int[] out = Arrays.copyOf(tokens, whole && count < tokensLeft ? count + 1 : count);
        if (out.length > count) {
            out[count] = masks.eosTokenId();
        }
        return out;
    }

    /**
     * The last {@value #MAX_WORD} bytes or fewer of {@code written} as text, from a character's start; null where
     * they end inside a character.
     */
    private static String tail(byte[] written, int length) {
        int from = Math.max(0, length - MAX_WORD);
        while (from < length && (written[from] & 0xC0) == 0x80) {
            from++;
        }
        if (wholeCharacters(Arrays.copyOfRange(written, from, length), length - from) != length - from) {
            return null;
        }
        return new String(written, from, length - from, StandardCharsets.UTF_8);
    }

    /**
     * Whether a byte allowed after the forced text could change its last word's cut: any byte past ASCII (the rest
     * of a character: it may be a letter), or an ASCII byte that does.
     */
    private boolean lastWordMayChange(ByteAutomaton automaton, int after, String text, boolean partialCharacter) {
        if (partialCharacter) {
            return true;
        }
        for (int b : automaton.liveBytes(after)) {
            if (b >= 0x80 || tokenizer.changesLastWord(text, String.valueOf((char) b))) {
                return true;
            }
        }
        return false;
    }

    /** Each token's first byte offset in their concatenated bytes. */
    private int[] starts(int[] tokens) {
        int[] starts = new int[tokens.length];
        int at = 0;
        for (int i = 0; i < tokens.length; i++) {
            starts[i] = at;
            at += tokenizer.tokenBytes(tokens[i]).length;
        }
        return starts;
    }

    /** The longest prefix of {@code bytes[0, n)} that ends on a whole UTF-8 character. */
    private static int wholeCharacters(byte[] bytes, int n) {
        int start = n;
        while (start > 0 && (bytes[start - 1] & 0xC0) == 0x80) {
            start--; // continuation bytes
        }
        if (start == 0) {
            return 0;
        }
        int lead = bytes[start - 1] & 0xff;
        int length = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
        return n - (start - 1) >= length ? n : start - 1;
    }
}
