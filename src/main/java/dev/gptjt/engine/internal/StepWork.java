package dev.gptjt.engine.internal;

import java.util.List;

/**
 * One step's work for one backend, as the scheduler planned it.
 *
 * @param stop  requests whose rows the backend drops before anything else (cancelled, past their deadline, or
 *              preempted): their rows are freed in this step and never complete
 * @param start requests whose prompt passes run in this step, whole or a chunk each
 */
public record StepWork(List<PreparedRequest> stop, List<Start> start) {
    /** Nothing to drop or start: the rows already running decode a token each. */
    public static final StepWork DECODE = new StepWork(List.of(), List.of());

    public StepWork {
        stop = List.copyOf(stop);
        start = List.copyOf(start);
    }

    /**
     * A prompt pass to run.
     *
     * @param request the request
     * @param upTo    prompt tokens in the row's cache after this step: {@code promptIds().length} runs the rest of the
     *                prompt (the row then decodes from this step on); fewer runs a chunk, and the row waits for the
     *                rest in a later step. Only the Java loop's generations are chunked.
     */
    public record Start(PreparedRequest request, int upTo) {
        /** The whole prompt. */
        public static Start whole(PreparedRequest request) {
            return new Start(request, request.promptIds().length);
        }

        /** True when this pass reaches the prompt's end. */
        public boolean last() {
            return upTo >= request.promptIds().length;
        }
    }

    /** Every request started whole, nothing dropped. */
    public static StepWork starting(List<PreparedRequest> requests) {
        return new StepWork(List.of(), requests.stream().map(Start::whole).toList());
    }

    public boolean isEmpty() {
        return stop.isEmpty() && start.isEmpty();
    }
}
