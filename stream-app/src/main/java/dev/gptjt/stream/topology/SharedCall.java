package dev.gptjt.stream.topology;

import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.ErrorCode;
import dev.gptjt.engine.Lane;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * One engine call that identical requests share: each gets its own future; cancelling one leaves the call running
 * for the others, and the last one cancelled cancels the engine's work. Requests of one lane only share a call, so a
 * realtime request never waits on a bulk row.
 */
final class SharedCall {
    /** A shared call's identity: the answer's key and the lane it runs in. */
    record Key(ResultKey result, Lane lane) {}

    private final Object owner;
    private CompletableFuture<?> source;
    /** Requests waiting on the call and not cancelled; 0 once the last is cancelled (then it takes no more). */
    private int sharers;

    SharedCall(Object owner) {
        this.owner = owner;
    }

    Object owner() {
        return owner;
    }

    /** The starter's future over {@code started}. */
    synchronized <T> CompletableFuture<T> start(CompletableFuture<T> started) {
        this.source = started;
        return share(started, Function.identity(), false);
    }

    /** A joiner's future, its answer {@code adapt}ed from the starter's; empty when every sharer has cancelled. */
    @SuppressWarnings("unchecked")
    synchronized <T> Optional<CompletableFuture<T>> join(Function<T, T> adapt) {
        if (source == null || sharers == 0) {
            return Optional.empty();
        }
        return Optional.of(share((CompletableFuture<T>) source, adapt, true));
    }

    /** Runs {@code action} once the call has ended (at once if it has). */
    synchronized void whenDone(Runnable action) {
        source.whenComplete((r, t) -> action.run());
    }

    private <T> CompletableFuture<T> share(CompletableFuture<T> from, Function<T, T> adapt, boolean joiner) {
        sharers++;
        CompletableFuture<T> mine = new CompletableFuture<>();
        from.whenComplete((r, t) -> {
            if (t != null) {
                // The starter's failure (its deadline, its lane's overload) is not a joiner's: the joiner is handed
                // back unanswered and runs on its own.
                mine.completeExceptionally(
                        joiner
                                ? new EngineException(ErrorCode.OVERLOADED, "the identical request it shared failed")
                                : t);
                return;
            }
            try {
                mine.complete(adapt.apply(r));
            } catch (RuntimeException e) {
                mine.completeExceptionally(e);
            }
        });
        mine.whenComplete((r, t) -> {
            if (mine.isCancelled()) {
                left(from);
            }
        });
        return mine;
    }

    private synchronized void left(CompletableFuture<?> from) {
        if (--sharers == 0 && !from.isDone()) {
            from.cancel(false); // nobody waits for it any more: the engine frees its row
        }
    }
}
