package dev.gptjt.engine.internal;

import dev.gptjt.engine.constraint.JumpForward;
import dev.gptjt.engine.internal.sampling.ConstrainedSampler;
import dev.gptjt.engine.internal.sampling.ShapeTables;
import java.util.Arrays;

/**
 * A constrained greedy row decoded by guessing and checking: the model runs free (in-graph, its KV cache on the
 * device) and the row takes its tokens for as long as the shape allows each; where the model's pick is refused, the
 * row takes the best allowed token from that position's logits (a correction) and the model runs free again from
 * there. Greedy under a mask picks, at each step, the best allowed token, and wherever the model's best token is
 * allowed that is the same token: so the row writes, token for token, what the Java loop's constrained row writes —
 * the same {@link ConstrainedSampler}, fed the same picks, with the tokens the shape forces (jump-forward) taken
 * where the loop takes them.
 *
 * <p>The backend calls {@link #check} with each free run's tokens after {@link #context()}, then {@link #correct} with
 * the logits after {@link #context()} where that asked for them, until {@link #finished()}.
 */
public final class CheckedRow {
    /** What the row needs next. */
    public enum Next {
        /** Nothing: the row ended (EOS, a stop sequence, its budget). */
        DONE,
        /** Another free run from {@link #context()}. */
        RESUME,
        /** The logits after {@link #context()}: the model's pick there is not allowed. */
        CORRECT
    }

    private final RowState state;
    private final ConstrainedSampler sampler;
    private final JumpForward jumps;
    private int corrections;
    private int runs;
    private int window; // the next run's useful length

    public CheckedRow(PreparedRequest.Generation request, ShapeTables shapes) {
        this(request, shapes, Integer.MAX_VALUE);
    }

    /**
     * @param firstWindow tokens the first free run should generate ({@link Integer#MAX_VALUE}: the whole budget)
     */
    public CheckedRow(PreparedRequest.Generation request, ShapeTables shapes, int firstWindow) {
        if (request.constraint() == null || !request.params().greedy()) {
            throw new IllegalArgumentException("request " + request.id() + " is not a constrained greedy generation");
        }
        this.state = new RowState(request, shapes.tokenizer(), shapes.eosTokenId());
        this.sampler = shapes.samplerOf(request);
        this.jumps = shapes.jumps();
        this.window = Math.max(1, firstWindow);
    }

    /** The tokens a free run or a correction reads: the prompt, then every token the row has written. */
    public int[] context() {
        int[] prompt = state.request().promptIds();
        int[] written = state.tokens();
        int[] context = Arrays.copyOf(prompt, prompt.length + written.length);
        System.arraycopy(written, 0, context, prompt.length, written.length);
        return context;
    }

    /** The row's budget left. */
    public int tokensLeft() {
        return state.request().params().maxNewTokens() - state.generated();
    }

    /**
     * Tokens the next free run should generate: the first window on the first run; after a run cut short (a refused
     * token, or tokens other than the forced ones) twice what that run gave, at least {@value #MIN_WINDOW}; after a
     * run that ran out, twice its length. A run's tokens past the first refusal are thrown away, and a step of a run
     * costs a twelfth of a pass over the context or less, so a row whose picks are refused often asks for short runs
     * — as speculative decoding sizes its drafts — without changing what it writes.
     */
    public int window() {
        return Math.min(window, tokensLeft());
    }

    /** Shortest run asked for: a run of this many steps costs less than the pass over the context it saves. */
    public static final int MIN_WINDOW = 8;

    /**
     * Reads a free run's tokens after {@link #context()}: takes each one the shape allows, and after each the tokens
     * the shape forces, as long as the run wrote those too; stops at the first refused token.
     *
     * @param run the model's greedy tokens after the context, {@code run[from, to)}
     * @return {@link Next#CORRECT} at a refused token, {@link Next#RESUME} where the run ran out or wrote other tokens
     *     than the forced ones (the run's later tokens read a context the row does not have), else {@link Next#DONE}
     */
    public Next check(int[] run, int from, int to) {
        if (finished()) {
            return Next.DONE;
        }
        runs++;
        int i = from;
        while (i < to) {
            if (!sampler.takeIfAllowed(run[i])) {
                window = Math.max(MIN_WINDOW, 2 * (i - from));
                return Next.CORRECT;
            }
            int[] forced = picked(run[i++]);
            if (finished()) {
                return Next.DONE;
            }
            for (int token : forced) {
                if (i == to || run[i] != token) {
                    window = Math.max(MIN_WINDOW, 2 * (i - from));
                    return Next.RESUME;
                }
                i++;
            }
        }
        window = Math.max(MIN_WINDOW, 2 * (to - from));
        return Next.RESUME;
    }

    /**
     * Picks the best allowed token from the logits after {@link #context()} (and takes what the shape then forces).
     *
     * @param logits the model's logits there, over the whole vocabulary; overwritten
     * @return {@link Next#DONE} or {@link Next#RESUME}
     */
    public Next correct(float[] logits) {
        corrections++;
        picked(sampler.sample(logits));
        return finished() ? Next.DONE : Next.RESUME;
    }

    /** Writes the picked token, then the tokens the shape forces after it, as the Java loop does; the forced ones. */
    private int[] picked(int token) {
        state.accept(token);
        if (state.finished() || jumps == null) {
            return new int[0];
        }
        int[] forced = sampler.jump(jumps);
        for (int f : forced) {
            state.acceptForced(f);
            if (state.finished()) {
                break;
            }
        }
        return forced;
    }

    public boolean finished() {
        return state.finished();
    }

    /** Times the row took a token from logits because the model's pick was refused. */
    public int corrections() {
        return corrections;
    }

    /** Free runs the row read. */
    public int runs() {
        return runs;
    }

    public RowState state() {
        return state;
    }
}
