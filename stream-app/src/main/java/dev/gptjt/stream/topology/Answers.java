package dev.gptjt.stream.topology;

import dev.gptjt.engine.Lane;
import dev.gptjt.schema.AnswerPath;
import dev.gptjt.schema.Classification;
import dev.gptjt.schema.Completion;
import dev.gptjt.schema.Extraction;
import dev.gptjt.schema.internal.PendingPrompt;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.avro.specific.SpecificRecord;

/**
 * One task's way to an answer: the result cache first (this partition's, then the instance's other partitions'),
 * then an identical request running now, and only then the engine ({@link Dispatcher}). A cached or shared answer is
 * the earlier answer rebuilt for this request ({@link ResultFactory#resent}), marked {@code answered_by = CACHE}.
 * With the cache off, every request goes to the engine.
 *
 * <p>Stream thread only, except what {@link SharedResults} shares.
 */
final class Answers {
    private final Dispatcher dispatcher;
    private final ResultFactory results;
    private final ResultCache cache;
    private final SharedResults shared;
    private final TopologyMetrics metrics;
    private final Clock clock;
    /** The calls this task started, by the ledger key of the prompt that started them: their answers are kept here. */
    private final Map<String, SharedCall.Key> started = new HashMap<>();

    /** @param cache this task's cache; null when the cache is off */
    Answers(
            Dispatcher dispatcher,
            ResultFactory results,
            ResultCache cache,
            SharedResults shared,
            TopologyMetrics metrics,
            Clock clock) {
        this.dispatcher = dispatcher;
        this.results = results;
        this.cache = cache;
        this.shared = shared;
        this.metrics = metrics;
        this.clock = clock;
        if (cache != null) {
            shared.register(cache);
        }
    }

    /** Never blocks; the future fails with the engine's {@code EngineException}, or is handed back as overloaded. */
    CompletableFuture<Dispatcher.Outcome> submit(String ledgerKey, PendingPrompt pending, Lane lane) {
        if (cache == null) {
            return dispatcher.submit(pending, lane);
        }
        Optional<ResultKey> key = dispatcher.resultKey(pending, results.modelSha256());
        if (key.isEmpty()) {
            metrics.cacheLookup(CacheOutcome.UNCACHEABLE);
            return dispatcher.submit(pending, lane);
        }
        Instant now = clock.instant();
        Optional<SpecificRecord> hit = shared.lookup(key.get(), now, cache);
        if (hit.isPresent()) {
            metrics.cacheLookup(CacheOutcome.HIT);
            return CompletableFuture.completedFuture(resent(pending, hit.get()));
        }
        SharedCall.Key call = new SharedCall.Key(key.get(), lane);
        SharedResults.Share<Dispatcher.Outcome> share = shared.join(
                call, this, () -> dispatcher.submit(pending, lane), starters -> resent(pending, starters.value()));
        metrics.cacheLookup(share.joined() ? CacheOutcome.SHARED : CacheOutcome.MISS);
        if (!share.joined()) {
            started.put(ledgerKey, call);
        }
        return share.future();
    }

    /** The prompt under {@code ledgerKey} was answered with {@code outcome}: an answer this task ran is kept. */
    void answered(String ledgerKey, Dispatcher.Outcome outcome) {
        SharedCall.Key call = started.remove(ledgerKey);
        if (call == null || answeredBy(outcome.value()) == AnswerPath.CACHE) {
            return;
        }
        cache.put(call.result(), outcome.value(), clock.instant());
        shared.settled(call, this);
    }

    /** The prompt under {@code ledgerKey} got no answer to keep (it failed, was cancelled or handed back). */
    void unanswered(String ledgerKey) {
        started.remove(ledgerKey);
    }

    /** Drops what has expired or is beyond the bound. */
    void evict() {
        if (cache != null) {
            cache.evict(clock.instant());
        }
    }

    /** The task moves away: its cache is no longer read by other tasks; its running calls are let go. */
    void release() {
        if (cache != null) {
            cache.close();
            shared.unregister(cache);
            shared.release(this);
        }
        started.clear();
    }

    private Dispatcher.Outcome resent(PendingPrompt pending, SpecificRecord answer) {
        return new Dispatcher.Outcome(
                dispatcher.topicOf(pending.getRequest()), results.resent(pending, answer, clock.instant()));
    }

    private static AnswerPath answeredBy(SpecificRecord record) {
        if (record instanceof Classification c) {
            return c.getAnsweredBy();
        }
        if (record instanceof Completion c) {
            return c.getAnsweredBy();
        }
        return record instanceof Extraction e ? e.getAnsweredBy() : AnswerPath.MODEL;
    }
}
