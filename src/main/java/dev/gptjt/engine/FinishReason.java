package dev.gptjt.engine;

/** Why a row stopped generating. */
public enum FinishReason {
    /** The model emitted its end-of-sequence token. */
    EOS,
    /** {@code max_new_tokens} were generated. */
    LENGTH,
    /** A stop sequence appeared in the generated text. */
    STOP
}
