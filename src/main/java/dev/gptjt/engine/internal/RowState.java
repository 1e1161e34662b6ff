package dev.gptjt.engine.internal;

import dev.gptjt.engine.FinishReason;
import dev.gptjt.engine.GenerationParams;
import dev.gptjt.engine.GenerationResult;
import dev.gptjt.engine.tokenizer.Gpt2Tokenizer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One row's progress through generation: tokens so far, and whether EOS, a stop sequence or the
 * length limit ended it. Backends feed it tokens; it decides when the row is done and builds the
 * result text. Stop sequences are looked for incrementally, in the UTF-8 bytes the tokens write: each step
 * searches only the new bytes and the stops' length before them, instead of decoding the whole output again
 * (UTF-8 is self-synchronizing, so a stop's bytes are found exactly where its text would be).
 */
public final class RowState {
    private final PreparedRequest.Generation request;
    private final Gpt2Tokenizer tokenizer;
    private final int eosTokenId;
    private int[] tokens;
    private int count;
    private int forced;
    private FinishReason finishReason;
    private String stoppedText;
    private final byte[][] stops;
    private final int longestStop;
    private byte[] written = new byte[64]; // the output's bytes, kept only when there are stop sequences
    private int writtenLength;

    public RowState(PreparedRequest.Generation request, Gpt2Tokenizer tokenizer, int eosTokenId) {
        this.request = request;
        this.tokenizer = tokenizer;
        this.eosTokenId = eosTokenId;
        this.tokens = new int[Math.min(request.params().maxNewTokens(), 64)];
        this.stops = request.params().stop().stream()
                .map(stop -> stop.getBytes(StandardCharsets.UTF_8))
                .toArray(byte[][]::new);
        this.longestStop = Arrays.stream(stops).mapToInt(b -> b.length).max().orElse(0);
    }

    public boolean finished() {
        return finishReason != null;
    }

    /** Tokens generated so far. */
    public int generated() {
        return count;
    }

    /** The tokens generated so far (EOS not among them). */
    public int[] tokens() {
        return Arrays.copyOf(tokens, count);
    }

    public PreparedRequest.Generation request() {
        return request;
    }

    /**
     * Appends a token the output's shape forced (jump-forward), as {@link #accept} does; the result counts it in
     * {@link GenerationResult#forcedTokens()}.
     */
    public void acceptForced(int token) {
        if (!finished() && token != eosTokenId) {
            forced++;
        }
        accept(token);
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
        if (stops.length > 0) {
            int searchFrom = Math.max(0, writtenLength - longestStop + 1);
            append(tokenizer.tokenBytes(token));
            int cut = firstStop(searchFrom);
            if (cut >= 0) {
                stoppedText = new String(written, 0, cut, StandardCharsets.UTF_8);
                finishReason = FinishReason.STOP;
                return;
            }
        }
        if (count >= p.maxNewTokens()) {
            finishReason = FinishReason.LENGTH;
        }
    }

    private void append(byte[] bytes) {
        if (bytes == null) { // an id outside the vocabulary writes nothing, as decode has it
            return;
        }
        if (writtenLength + bytes.length > written.length) {
            written = Arrays.copyOf(written, Math.max(written.length * 2, writtenLength + bytes.length));
        }
        System.arraycopy(bytes, 0, written, writtenLength, bytes.length);
        writtenLength += bytes.length;
    }

    /** The byte offset of the earliest stop sequence starting at {@code from} or later, or -1. */
    private int firstStop(int from) {
        for (int at = from; at < writtenLength; at++) {
            for (byte[] stop : stops) {
                if (at + stop.length <= writtenLength
                        && Arrays.equals(written, at, at + stop.length, stop, 0, stop.length)) {
                    return at;
                }
            }
        }
        return -1;
    }

    /** The result of a finished row. */
    public GenerationResult result(long inferenceNanos, int batchSize, String backend) {
        return result(inferenceNanos, batchSize, backend, 0, 0);
    }

    /** The result of a finished row decoded in-graph in {@code runs} operator calls, after {@code corrections}. */
    public GenerationResult result(long inferenceNanos, int batchSize, String backend, int corrections, int runs) {
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
                request.prefixLength(),
                forced,
                corrections,
                runs);
    }
}
