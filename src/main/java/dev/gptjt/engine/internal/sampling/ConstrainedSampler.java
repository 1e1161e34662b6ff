package dev.gptjt.engine.internal.sampling;

import dev.gptjt.engine.ByteAutomaton;
import dev.gptjt.engine.constraint.JumpForward;
import dev.gptjt.engine.constraint.TokenMask;
import dev.gptjt.engine.tokenizer.Gpt2Tokenizer;
import java.util.Arrays;

/**
 * A row's sampler under a {@link ByteAutomaton}: every token the automaton does not allow from the row's state
 * is masked to negative infinity before the row's own sampler (greedy, or top-k/top-p over the allowed ids
 * only) picks, and the picked token's bytes then move the state on. With {@code maxNewTokens} it closes the
 * output within that budget: a token is allowed only if the automaton's shortest way to an accepting state
 * still fits in the tokens left after it. Stop strings and the length limit keep working around it: they are
 * the row's, not the sampler's.
 */
public final class ConstrainedSampler implements Sampler {
    private final Sampler inner;
    private final TokenMask masks;
    private final ByteAutomaton automaton;
    private final Gpt2Tokenizer tokenizer;
    private final int eosTokenId;
    private final int maxNewTokens;
    private int state;
    private byte[] written = new byte[64]; // the output's bytes: jump-forward reads its last word
    private int writtenLength;
    private long maskNanos;
    private int steps;

    /**
     * @param maxNewTokens the row's budget: the output is closed within it where the automaton's start state is
     *                     at most that many bytes from accepting (else the budget may cut it)
     */
    public ConstrainedSampler(
            Sampler inner,
            TokenMask masks,
            ByteAutomaton automaton,
            Gpt2Tokenizer tokenizer,
            int eosTokenId,
            int maxNewTokens) {
        this.inner = inner;
        this.maxNewTokens = maxNewTokens;
        this.masks = masks;
        this.automaton = automaton;
        this.tokenizer = tokenizer;
        this.eosTokenId = eosTokenId;
        this.state = automaton.start();
    }

    @Override
    public int sample(float[] logits) {
        long start = System.nanoTime();
        long[] allowed = masks.allowedWithin(automaton, state, maxNewTokens - steps);
        TokenMask.apply(allowed, logits);
        maskNanos += System.nanoTime() - start;
        steps++;
        int token = inner.sample(logits);
        if (!TokenMask.contains(allowed, token)) {
            // a draw's rounding can fall past the last allowed candidate: take the likeliest allowed one instead
            token = Sampler.argmax(logits);
        }
        advance(token);
        return token;
    }

    /**
     * Takes {@code token} as this step's pick where the shape allows it here, as {@link #sample} would have picked it
     * from logits whose largest is {@code token}: where the unconstrained best token is allowed, the best allowed one
     * is that token. Nothing changes where it is not allowed.
     *
     * @return whether it was allowed (and taken)
     */
    public boolean takeIfAllowed(int token) {
        long start = System.nanoTime();
        long[] allowed = masks.allowedWithin(automaton, state, maxNewTokens - steps);
        boolean taken = token >= 0 && token < masks.size() && TokenMask.contains(allowed, token);
        if (taken) {
            steps++;
            advance(token);
        }
        maskNanos += System.nanoTime() - start;
        return taken;
    }

    /**
     * The tokens the shape forces after the last one picked ({@link JumpForward}), taken as picked: the row writes
     * them after that token without a decoder step of their own. Empty where the model has a choice.
     */
    public int[] jump(JumpForward jumps) {
        long start = System.nanoTime();
        int[] forced = jumps.forced(automaton, state, maxNewTokens - steps, written, writtenLength);
        for (int token : forced) {
            advance(token);
        }
        steps += forced.length;
        maskNanos += System.nanoTime() - start;
        return forced;
    }

    private void advance(int token) {
        if (token == eosTokenId) {
            return;
        }
        byte[] bytes = tokenizer.tokenBytes(token);
        for (byte b : bytes) {
            state = automaton.next(state, b & 0xff);
        }
        if (writtenLength + bytes.length > written.length) {
            written = Arrays.copyOf(written, Math.max(written.length * 2, writtenLength + bytes.length));
        }
        System.arraycopy(bytes, 0, written, writtenLength, bytes.length);
        writtenLength += bytes.length;
    }

    /** Whether the output so far is complete (the automaton accepts it). */
    public boolean accepting() {
        return automaton.accepting(state);
    }

    /** Time spent computing masks and forced tokens, in nanoseconds, over {@link #steps()} steps. */
    public long maskNanos() {
        return maskNanos;
    }

    /** Tokens picked or forced under the constraint. */
    public int steps() {
        return steps;
    }
}
