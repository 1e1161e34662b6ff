package dev.gptjt.engine.constraint;

import dev.gptjt.engine.ByteAutomaton;
import dev.gptjt.engine.tokenizer.Gpt2Tokenizer;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which tokens a {@link ByteAutomaton} allows next: a trie over every token's bytes, walked depth first from
 * the automaton's state along only the bytes the automaton lets through ({@link ByteAutomaton#liveBytes}), a
 * node's child found by its byte (a table for the trie's wide nodes, the sibling list for the others). A span
 * automaton allows a handful of bytes per state, so a mask visits tens of the trie's nodes, not the
 * vocabulary's 50 257 tokens. Built once per tokenizer; immutable and shared by every row.
 *
 * <p>Ids outside the tokenizer's vocabulary (GPT-J's logits 50 257–50 399, which no text stands for) are never
 * allowed; the end-of-sequence id is not in the trie and is allowed exactly where the automaton accepts.
 */
public final class TokenMask {
    private static final int NONE = -1;

    private final int logits;
    private final int eosTokenId;
    // the trie: node 0 is the root; each node's children are a sibling list, bytes ascending
    private int[] firstChild;
    private int[] nextSibling;
    private byte[] edgeByte;
    private int[] tokenAt;
    private int nodes;
    private int[][] wide; // per node with WIDE children or more: child by byte, NONE where there is none
    // unbounded masks of immutable automata, per automaton and state: shared by every request and row
    private final Map<ByteAutomaton, Map<Integer, long[]>> shared =
            Collections.synchronizedMap(new IdentityHashMap<>());
    private static final int WIDE = 8;

    private TokenMask(int logits, int eosTokenId) {
        this.logits = logits;
        this.eosTokenId = eosTokenId;
        int capacity = 1 << 16;
        firstChild = new int[capacity];
        nextSibling = new int[capacity];
        edgeByte = new byte[capacity];
        tokenAt = new int[capacity];
        nodes = 1;
        firstChild[0] = NONE;
        nextSibling[0] = NONE;
        tokenAt[0] = NONE;
    }

    /**
     * The masks of {@code tokenizer}'s tokens over logits of {@code logits} ids.
     *
     * @param eosTokenId the end-of-sequence id: allowed only in accepting states, never as its name's bytes
     */
    public static TokenMask of(Gpt2Tokenizer tokenizer, int logits, int eosTokenId) {
        TokenMask mask = new TokenMask(logits, eosTokenId);
        for (int id = 0; id < Math.min(logits, tokenizer.vocabSize()); id++) {
            byte[] bytes = tokenizer.tokenBytes(id);
            if (id != eosTokenId && bytes != null && bytes.length > 0) {
                mask.insert(bytes, id);
            }
        }
        mask.indexWideNodes();
        return mask;
    }

    /** Logit ids the mask covers. */
    public int size() {
        return logits;
    }

    /**
     * The tokens allowed in {@code state}, as a bit set over the logit ids ({@code long} word {@code id >>> 6}); it may
     * be shared (an immutable automaton's): read it, never change it.
     *
     * @param state a state of {@code automaton} other than {@link ByteAutomaton#DEAD}
     */
    public long[] allowed(ByteAutomaton automaton, int state) {
        return allowed(automaton, state, Integer.MAX_VALUE);
    }

    /**
     * The tokens allowed in {@code state} after which the automaton is at most {@code bytesLeft} bytes from
     * accepting: with {@code bytesLeft} the tokens a request has left after this one, the output closes within its
     * budget. Never empty when {@code state} itself is at most {@code bytesLeft + 1} bytes from accepting.
     */
    public long[] allowed(ByteAutomaton automaton, int state, int bytesLeft) {
        if (automaton.immutable() && bytesLeft >= automaton.maxBytesToAccept()) {
            return shared.computeIfAbsent(automaton, a -> new ConcurrentHashMap<>())
                    .computeIfAbsent(state, s -> walk(automaton, s, Integer.MAX_VALUE));
        }
        return walk(automaton, state, bytesLeft);
    }

    private long[] walk(ByteAutomaton automaton, int state, int bytesLeft) {
        long[] bits = new long[(logits + 63) >>> 6];
        if (automaton.accepting(state) && eosTokenId >= 0 && eosTokenId < logits) {
            bits[eosTokenId >>> 6] |= 1L << eosTokenId;
        }
        // depth-first over the trie, carrying the automaton's state at each node reached
        int[] nodeStack = new int[64];
        int[] stateStack = new int[64];
        int top = 0;
        nodeStack[top] = 0;
        stateStack[top] = state;
        top++;
        while (top > 0) {
            top--;
            int node = nodeStack[top];
            int from = stateStack[top];
            for (int b : automaton.liveBytes(from)) {
                int child = child(node, b);
                if (child == NONE) {
                    continue;
                }
                int to = automaton.next(from, b);
                if (tokenAt[child] != NONE
                        && (bytesLeft == Integer.MAX_VALUE || automaton.bytesToAccept(to) <= bytesLeft)) {
                    bits[tokenAt[child] >>> 6] |= 1L << tokenAt[child];
                }
                if (firstChild[child] != NONE) {
                    if (top == nodeStack.length) {
                        nodeStack = Arrays.copyOf(nodeStack, top * 2);
                        stateStack = Arrays.copyOf(stateStack, top * 2);
                    }
                    nodeStack[top] = child;
                    stateStack[top] = to;
                    top++;
                }
            }
        }
        return bits;
    }

    /**
     * The tokens allowed in {@code state} for a row that may write {@code tokensLeft} more tokens, this one included:
     * after it, the automaton's shortest way to an accepting state must fit in the tokens after it (a byte each), so
     * the output closes within the budget. Unbounded where that is already out of reach (a budget smaller than the
     * shape from the start): then the budget may cut the output.
     */
    public long[] allowedWithin(ByteAutomaton automaton, int state, int tokensLeft) {
        return allowed(
                automaton,
                state,
                automaton.bytesToAccept(state) <= tokensLeft ? Math.max(0, tokensLeft - 1) : Integer.MAX_VALUE);
    }

    /**
     * Whether some token starts with {@code bytes[from, to)} and goes on with a byte {@code automaton} allows in
     * {@code stateAfter} (the state after those bytes): a token that would span past them.
     */
    boolean continuesPast(byte[] bytes, int from, int to, ByteAutomaton automaton, int stateAfter) {
        int node = 0;
        for (int i = from; i < to && node != NONE; i++) {
            node = child(node, bytes[i] & 0xff);
        }
        if (node == NONE) {
            return false;
        }
        for (int b : automaton.liveBytes(stateAfter)) {
            if (child(node, b) != NONE) {
                return true;
            }
        }
        return false;
    }

    /** The end-of-sequence id these masks allow in accepting states. */
    int eosTokenId() {
        return eosTokenId;
    }

    /** Whether {@code id} is set in {@code bits}. */
    public static boolean contains(long[] bits, int id) {
        return (bits[id >>> 6] & (1L << id)) != 0;
    }

    /** Sets every logit {@code bits} does not allow to negative infinity. */
    public static void apply(long[] bits, float[] logits) {
        for (int id = 0; id < logits.length; id++) {
            if ((bits[id >>> 6] & (1L << id)) == 0) {
                logits[id] = Float.NEGATIVE_INFINITY;
            }
        }
    }

    /** The child of {@code node} along byte {@code b}, or {@link #NONE}. */
    private int child(int node, int b) {
        if (wide[node] != null) {
            return wide[node][b];
        }
        for (int c = firstChild[node]; c != NONE; c = nextSibling[c]) {
            int edge = edgeByte[c] & 0xff;
            if (edge >= b) {
                return edge == b ? c : NONE;
            }
        }
        return NONE;
    }

    private void indexWideNodes() {
        wide = new int[nodes][];
        for (int node = 0; node < nodes; node++) {
            int children = 0;
            for (int c = firstChild[node]; c != NONE; c = nextSibling[c]) {
                children++;
            }
            if (children >= WIDE) {
                int[] table = new int[256];
                Arrays.fill(table, NONE);
                for (int c = firstChild[node]; c != NONE; c = nextSibling[c]) {
                    table[edgeByte[c] & 0xff] = c;
                }
                wide[node] = table;
            }
        }
    }

    private void insert(byte[] bytes, int id) {
        int node = 0;
        for (byte b : bytes) {
            node = child(node, b);
        }
        tokenAt[node] = id;
    }

    /** The child of {@code node} along {@code b}, made if missing, siblings kept in ascending byte order. */
    private int child(int node, byte b) {
        int unsigned = b & 0xff;
        int previous = NONE;
        int c = firstChild[node];
        while (c != NONE && (edgeByte[c] & 0xff) < unsigned) {
            previous = c;
            c = nextSibling[c];
        }
        if (c != NONE && (edgeByte[c] & 0xff) == unsigned) {
            return c;
        }
        int made = newNode(b);
        nextSibling[made] = c;
        if (previous == NONE) {
            firstChild[node] = made;
        } else {
            nextSibling[previous] = made;
        }
        return made;
    }

    private int newNode(byte b) {
        if (nodes == firstChild.length) {
            int capacity = nodes * 2;
            firstChild = Arrays.copyOf(firstChild, capacity);
            nextSibling = Arrays.copyOf(nextSibling, capacity);
            edgeByte = Arrays.copyOf(edgeByte, capacity);
            tokenAt = Arrays.copyOf(tokenAt, capacity);
        }
        int n = nodes++;
        firstChild[n] = NONE;
        nextSibling[n] = NONE;
        edgeByte[n] = b;
        tokenAt[n] = NONE;
        return n;
    }
}
