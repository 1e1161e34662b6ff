package dev.gptjt.stream.topology;

import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.avro.specific.SpecificRecord;

/**
 * The result cache as the whole instance sees it: every local task's {@link ResultCache} (a repeat read on another
 * partition of this instance is answered from the partition that answered it first), and the requests running now
 * by key, so identical requests in flight at the same time share one engine row.
 *
 * <p>One per service instance, shared by its stream threads. Repeats that arrive on another instance's partitions
 * are not seen here: they run there once and are kept in that partition's cache.
 */
public final class SharedResults {
    /**
     * A request's place in a shared call.
     *
     * @param future its answer
     * @param joined it joined another request's call (true) or started one (false)
     */
    record Share<T>(CompletableFuture<T> future, boolean joined) {}

    private final Set<ResultCache> caches = ConcurrentHashMap.newKeySet();
    private final ConcurrentHashMap<SharedCall.Key, SharedCall> running = new ConcurrentHashMap<>();

    void register(ResultCache cache) {
        caches.add(cache);
    }

    void unregister(ResultCache cache) {
        caches.remove(cache);
    }

    /** An answer kept under {@code key} by any local task, {@code first} asked first. */
    Optional<SpecificRecord> lookup(ResultKey key, Instant now, ResultCache first) {
        Optional<SpecificRecord> own = first.lookup(key, now);
        if (own.isPresent()) {
            return own;
        }
        for (ResultCache other : caches) {
            if (other != first) {
                Optional<SpecificRecord> found = other.lookup(key, now);
                if (found.isPresent()) {
                    return found;
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Joins the identical request running now in {@code call}'s lane, or, when none is, starts one with
     * {@code start} and owns it until {@link #settled}. The returned future completes with the running request's
     * outcome ({@code adapt}ed for a joiner); cancelling it cancels the engine's work only when every request
     * sharing it is cancelled.
     *
     * @param owner who answers for the shared call (a task's processor): it calls {@link #settled} once the answer
     *              is in its cache, or {@link #release} when it moves away
     */
    <T> Share<T> join(SharedCall.Key call, Object owner, Supplier<CompletableFuture<T>> start, Function<T, T> adapt) {
        while (true) {
            SharedCall existing = running.get(call);
            if (existing != null) {
                Optional<CompletableFuture<T>> share = existing.join(adapt);
                if (share.isPresent()) {
                    return new Share<>(share.get(), true);
                }
                running.remove(call, existing); // every sharer cancelled it: start afresh
                continue;
            }
            SharedCall created = new SharedCall(owner);
            if (running.putIfAbsent(call, created) != null) {
                continue; // another thread started it first: join that one
            }
            CompletableFuture<T> source;
            try {
                source = start.get();
            } catch (RuntimeException e) {
                running.remove(call, created);
                throw e;
            }
            // A failed call is no answer to share: later requests start their own.
            source.whenComplete((r, t) -> {
                if (t != null) {
                    running.remove(call, created);
                }
            });
            return new Share<>(created.start(source), false);
        }
    }

    /** The owner has the call's answer in its cache: later requests find it there. */
    void settled(SharedCall.Key call, Object owner) {
        running.computeIfPresent(call, (k, c) -> c.owner() == owner ? null : c);
    }

    /** {@code owner} moves away: its calls are forgotten once done (those still running, when they end). */
    void release(Object owner) {
        running.forEach((k, c) -> {
            if (c.owner() == owner) {
                c.whenDone(() -> running.remove(k, c));
            }
        });
    }

    /** Answers kept by this instance's tasks. */
    public long entries() {
        return caches.stream().mapToLong(ResultCache::size).sum();
    }
}
