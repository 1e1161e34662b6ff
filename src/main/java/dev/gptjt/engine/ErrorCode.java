package dev.gptjt.engine;

/** Why the engine refused or failed a request; stable names that callers map to dead-letter reasons. */
public enum ErrorCode {
    /** The model directory is missing a file, or a file contradicts another (config vs. graph). */
    MODEL_INVALID,
    /** The prompt encodes to no tokens at all; GPT-J has nothing to condition on. */
    EMPTY_PROMPT,
    /** Prompt tokens plus {@code max_new_tokens} exceed the model's context ({@code n_positions}). */
    PROMPT_TOO_LONG,
    /** A generation parameter is out of its range (see {@link GenerationParams#validate}). */
    INVALID_PARAMETER,
    /** The request's deadline (or the engine's maximum queue age) passed before its batch started. */
    DEADLINE_EXCEEDED,
    /** The scheduler's queue is full; the caller should retry later or slow down. */
    OVERLOADED,
    /** The engine was closed before or while the request ran. */
    CLOSED,
    /**
     * The engine's memory plan (weights, a full batch's KV cache at the whole context twice, activations) does not fit
     * its memory budget; the message names the settings to change.
     */
    MEMORY_PLAN_EXCEEDED,
    /** The requested execution provider (e.g. CUDA) cannot start on this host. */
    PROVIDER_UNAVAILABLE,
    /** ONNX Runtime failed while running the model. */
    INFERENCE_FAILED
}
