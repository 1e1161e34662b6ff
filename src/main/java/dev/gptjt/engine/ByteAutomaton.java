package dev.gptjt.engine;

/**
 * What a constrained generation may write, byte by byte (the UTF-8 of its completion): the engine lets through
 * only tokens whose every byte keeps the automaton alive, and end-of-sequence only in an accepting state. The
 * automaton works on bytes, not tokens, because GPT-2's byte-level BPE cuts text anywhere (a token may end
 * inside a UTF-8 character or hold a separator and the start of the next span).
 *
 * <p>States are ints the automaton hands out; {@link #DEAD} is the state after a refused byte. An
 * implementation must be <em>trim</em>: from every state it returns other than {@code DEAD}, some byte
 * sequence leads to an accepting state, so a constrained row never finds every token masked (every single byte
 * is a GPT-2 token). An instance that builds its states as it is walked serves one request; an immutable one
 * may serve many at once. The engine may ask about any state it was given, in any order.
 */
public interface ByteAutomaton {
    /** The state after a byte the automaton refuses. */
    int DEAD = -1;

    /** The state before any byte. */
    int start();

    /**
     * The state after byte {@code b} (0–255) in {@code state}, or {@link #DEAD}.
     *
     * @param state a state this automaton returned, never {@code DEAD}
     */
    int next(int state, int b);

    /** Whether the output may end in {@code state} (end-of-sequence is allowed there). */
    boolean accepting(int state);

    /**
     * The fewest bytes from {@code state} to an accepting state (0 in one). The engine closes the output within
     * the request's {@code max_new_tokens} by allowing only tokens after which this many bytes still fit in the
     * tokens left: every byte is a token, so the output ends complete instead of cut.
     */
    int bytesToAccept(int state);

    /**
     * The bytes after which {@code state} is not {@link #DEAD}, ascending. Masks walk the vocabulary's trie along
     * these only, so an automaton that knows them cheaply (a span list: a few letters, a separator) should say so;
     * this default asks {@link #next} about all 256.
     */
    /**
     * Whether the automaton never changes and serves every request alike (a task's pattern, not one input's
     * spans): then masks of its states are computed once and shared — a pattern state that allows most of the
     * vocabulary ({@code [^,]+}) would otherwise walk the whole trie at every step.
     */
    default boolean immutable() {
        return false;
    }

    /**
     * The largest {@link #bytesToAccept} of any state; {@code Integer.MAX_VALUE} when not known. A budget of at
     * least this many bytes cannot exclude a token, so the unbounded (cacheable) mask applies.
     */
    default int maxBytesToAccept() {
        return Integer.MAX_VALUE;
    }

    default int[] liveBytes(int state) {
        int[] live = new int[256];
        int n = 0;
        for (int b = 0; b < 256; b++) {
            if (next(state, b) != DEAD) {
                live[n++] = b;
            }
        }
        return java.util.Arrays.copyOf(live, n);
    }
}
