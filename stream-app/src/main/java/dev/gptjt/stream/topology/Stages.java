package dev.gptjt.stream.topology;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * Dependent stages whose cancellation reaches the engine. {@link CompletableFuture#thenApply} and
 * {@link CompletableFuture#thenCompose} return futures whose {@code cancel} stops only themselves: the engine would
 * go on computing a prompt nobody waits for (on a revoked task's old owner, while the new owner computes it again).
 * Cancelling a future made here also cancels the stage it waits on, so the engine takes the request out of its
 * queue or frees its row at the next step.
 */
final class Stages {
    private Stages() {}

    /** {@code source.thenApply(fn)}; cancelling it cancels {@code source}. */
    static <T, R> CompletableFuture<R> then(CompletableFuture<T> source, Function<? super T, ? extends R> fn) {
        CompletableFuture<R> out = source.thenApply(fn);
        out.whenComplete((r, t) -> {
            if (out.isCancelled()) {
                source.cancel(false);
            }
        });
        return out;
    }

    /**
     * {@code first.thenCompose(next)}; cancelling it cancels {@code first}, or, once {@code next} has started the
     * stage it returned (the engine call), that stage.
     */
    static <T, R> CompletableFuture<R> compose(
            CompletableFuture<T> first, Function<? super T, ? extends CompletableFuture<R>> next) {
        AtomicReference<CompletableFuture<?>> current = new AtomicReference<>(first);
        CompletableFuture<R> out = new CompletableFuture<>();
        first.whenComplete((t, failure) -> {
            if (failure != null) {
                out.completeExceptionally(failure);
                return;
            }
            if (out.isDone()) {
                return; // cancelled while first ran: nothing to start
            }
            CompletableFuture<R> second;
            try {
                second = next.apply(t);
            } catch (RuntimeException e) {
                out.completeExceptionally(e);
                return;
            }
            current.set(second);
            if (out.isCancelled()) {
                second.cancel(false); // cancelled while next started it: the handler below saw first only
            }
            second.whenComplete((r, e) -> {
                if (e != null) {
                    out.completeExceptionally(e);
                } else {
                    out.complete(r);
                }
            });
        });
        out.whenComplete((r, e) -> {
            if (out.isCancelled()) {
                current.get().cancel(false);
            }
        });
        return out;
    }
}
