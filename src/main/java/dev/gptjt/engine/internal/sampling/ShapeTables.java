package dev.gptjt.engine.internal.sampling;

import dev.gptjt.engine.GenerationParams;
import dev.gptjt.engine.constraint.JumpForward;
import dev.gptjt.engine.constraint.TokenMask;
import dev.gptjt.engine.internal.PreparedRequest;
import dev.gptjt.engine.tokenizer.Gpt2Tokenizer;

/**
 * The token trie and jump-forward tables every constrained row of an engine reads, made once on the first constrained
 * request (a few MB, built in tens of milliseconds: a free-only service never pays for them) and shared by every
 * backend, so that the Java loop and the in-graph path mask alike from one copy.
 */
public final class ShapeTables {
    private final Gpt2Tokenizer tokenizer;
    private final int logits;
    private final int eosTokenId;
    private final boolean jumpForward;
    private TokenMask masks; // guarded by this
    private JumpForward jumps; // guarded by this

    /**
     * @param logits      logit ids of the model (its vocabulary size)
     * @param jumpForward whether rows write the tokens their shape forces without picking them
     */
    public ShapeTables(Gpt2Tokenizer tokenizer, int logits, int eosTokenId, boolean jumpForward) {
        this.tokenizer = tokenizer;
        this.logits = logits;
        this.eosTokenId = eosTokenId;
        this.jumpForward = jumpForward;
    }

    public Gpt2Tokenizer tokenizer() {
        return tokenizer;
    }

    public int eosTokenId() {
        return eosTokenId;
    }

    public synchronized TokenMask masks() {
        if (masks == null) {
            masks = TokenMask.of(tokenizer, logits, eosTokenId);
        }
        return masks;
    }

    /** The forced-token tables, or null when jump-forward is off. */
    public synchronized JumpForward jumps() {
        if (!jumpForward) {
            return null;
        }
        if (jumps == null) {
            jumps = JumpForward.of(masks(), tokenizer);
        }
        return jumps;
    }

    /** The sampler of a constrained request: its parameters' own, masked by its shape within its budget. */
    public ConstrainedSampler samplerOf(PreparedRequest.Generation request) {
        GenerationParams params = request.params();
        return new ConstrainedSampler(
                Sampler.of(params), masks(), request.constraint(), tokenizer, eosTokenId, params.maxNewTokens());
    }
}
