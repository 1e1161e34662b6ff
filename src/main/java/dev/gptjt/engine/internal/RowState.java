package dev.gptjt.engine.internal;

import dev.gptjt.engine.FinishReason;
import dev.gptjt.engine.GenerationParams;
import dev.gptjt.engine.GenerationResult;
import dev.gptjt.engine.tokenizer.Gpt2Tokenizer;
import java.util.Arrays;

/**
 * One row's progress through generation: tokens so far, and whether EOS, a stop sequence or the
 * length limit ended it. Backends feed it tokens; it decides when the row is done and builds the
 * result text.
 */
public final class RowState {
    private final PreparedRequest.Generation request;
    private final Gpt2Tokenizer tokenizer;
    private final int eosTokenId;
    private int[] tokens;
    private int count;
    private FinishReason finishReason;
    private String stoppedText;

    public RowState(PreparedRequest.Generation request, Gpt2Tokenizer tokenizer, int eosTokenId) {
        this.request = request;
        this.tokenizer = tokenizer;
        this.eosTokenId = eosTokenId;
        this.tokens = new int[Math.min(request.params().maxNewTokens(), 64)];
    }

    public boolean finished() {
        return finishReason != null;
    }

    public PreparedRequest.Generation request() {
        return request;
    }

    /** Appends the next token (ignored once finished) and updates {@link #finished()}. */
    public void accept(int token) {
        if (finished()) {
            return;
        }
        GenerationParams p = request.params();
        if (token == eosTokenId && !p.ignoreEos()) {
            finishReason = FinishReason.EOS;
            return;
        }
        if (count == tokens.length) {
            tokens = Arrays.copyOf(tokens, Math.min(tokens.length * 2, p.maxNewTokens()));
        }
        tokens[count++] = token;
        if (!p.stop().isEmpty()) {
            String text = tokenizer.decode(tokens, 0, count);
            int cut = firstStop(text, p);
            if (cut >= 0) {
                stoppedText = text.substring(0, cut);
                finishReason = FinishReason.STOP;
                return;
            }
        }
        if (count >= p.maxNewTokens()) {
            finishReason = FinishReason.LENGTH;
        }
    }

    private static int firstStop(String text, GenerationParams p) {
        int cut = -1;
        for (String s : p.stop()) {
            int at = text.indexOf(s);
            if (at >= 0 && (cut < 0 || at < cut)) {
                cut = at;
            }
        }
        return cut;
    }

    /** The result of a finished row. */
    public GenerationResult result(long inferenceNanos, int batchSize, String backend) {
        int[] ids = Arrays.copyOf(tokens, count);
        String text = stoppedText != null ? stoppedText : tokenizer.decode(ids);
        return new GenerationResult(
                request.id(),
                request.promptIds().length,
                ids,
                text,
                finishReason == null ? FinishReason.LENGTH : finishReason,
                0,
                inferenceNanos,
                batchSize,
                backend,
                request.prefixLength());
    }
}
