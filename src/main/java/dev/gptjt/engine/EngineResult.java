package dev.gptjt.engine;

/**
 * What a backend returns for one request: a {@link GenerationResult}'s tokens or a {@link LabelScores}'
 * log-probabilities, with how the request ran.
 */
public interface EngineResult {
    /** The request's id. */
    String id();

    /** Prompt length in tokens. */
    int promptTokens();

    /** Of {@link #promptTokens()}, those read from a cached prefix rather than run through the model (0: the whole prompt ran). */
    int prefixTokens();

    /** Time from submission to the start of its batch (or the step it joined at). */
    long queuedNanos();

    /** Wall time from its start to its result. */
    long inferenceNanos();

    /** Requests in its batch. */
    int batchSize();

    /** Name of the backend that ran it. */
    String backend();

    /** Tokens generated (none for label scores). */
    int generatedTokens();

    EngineResult withQueuedNanos(long queued);
}
