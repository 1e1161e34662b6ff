package dev.gptjt.stream.topology;

import dev.gptjt.schema.internal.CachedResult;
import dev.gptjt.schema.wire.SingleObjectWireFormat;
import dev.gptjt.schema.wire.WireFormat;
import dev.gptjt.schema.wire.WireFormatException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jboss.logging.Logger;

/**
 * One task's (prompts partition's) answers, kept in its changelogged result store: restored with the task wherever
 * it runs next, so a restarted or moved instance still answers repeats. Bounded: an answer older than the TTL is
 * never sent and is deleted at the next sweep, and past max-entries the oldest are deleted as new ones come; the
 * deletes reach the changelog, so a restore is bounded too.
 *
 * <p>Written only on its task's stream thread. {@link #lookup} may be called from another stream thread of the
 * instance (its repeats on another partition): the store's reads are safe beside its writes, as interactive queries'
 * are, and a store closing under the reader reads as a miss.
 */
final class ResultCache {
    private static final Logger LOG = Logger.getLogger(ResultCache.class);
    private static final WireFormat CODEC = new SingleObjectWireFormat();

    private final KeyValueStore<String, byte[]> store;
    private final CacheSettings settings;
    /** The store's keys by when they were stored, oldest first: what the bound evicts. Stream thread only. */
    private final LinkedHashMap<String, Instant> byAge = new LinkedHashMap<>();

    private volatile boolean open = true;
    /** {@code byAge}'s size, for the metrics thread. */
    private volatile int size;

    ResultCache(KeyValueStore<String, byte[]> store, CacheSettings settings) {
        this.store = store;
        this.settings = settings;
        index();
    }

    /** Reads what the store holds (restored from the changelog) into the age index. */
    private void index() {
        List<Map.Entry<String, Instant>> entries = new ArrayList<>();
        List<String> unreadable = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> all = store.all()) {
            while (all.hasNext()) {
                KeyValue<String, byte[]> kv = all.next();
                CachedResult cached = decode(kv.value);
                if (cached == null) {
                    unreadable.add(kv.key);
                } else {
                    entries.add(Map.entry(kv.key, cached.getStoredAt()));
                }
            }
        }
        unreadable.forEach(store::delete);
        entries.sort(Map.Entry.comparingByValue(Comparator.naturalOrder()));
        entries.forEach(e -> byAge.put(e.getKey(), e.getValue()));
        size = byAge.size();
    }

    /** The answer kept under {@code key}, unless it is older than the TTL at {@code now}. Any thread. */
    Optional<SpecificRecord> lookup(ResultKey key, Instant now) {
        if (!open) {
            return Optional.empty();
        }
        byte[] bytes;
        try {
            bytes = store.get(key.hex());
        } catch (RuntimeException closing) {
            return Optional.empty(); // the task is moving away under a reader on another thread
        }
        CachedResult cached = bytes == null ? null : decode(bytes);
        if (cached == null || !cached.getStoredAt().plus(settings.ttl()).isAfter(now)) {
            return Optional.empty();
        }
        return Optional.of((SpecificRecord) cached.getAnswer());
    }

    /** Keeps {@code answer} under {@code key} as of {@code now}, evicting the oldest past max-entries. */
    void put(ResultKey key, SpecificRecord answer, Instant now) {
        store.put(
                key.hex(),
                CODEC.encode(
                        PromptTopology.RESULT_STORE,
                        CachedResult.newBuilder()
                                .setStoredAt(now)
                                .setAnswer(answer)
                                .build()));
        byAge.remove(key.hex()); // stored again: its age starts again
        byAge.put(key.hex(), now);
        evict(now);
    }

    /** Deletes what is past the TTL at {@code now} or beyond max-entries, oldest first. */
    void evict(Instant now) {
        Instant expired = now.minus(settings.ttl());
        Iterator<Map.Entry<String, Instant>> oldest = byAge.entrySet().iterator();
        while (oldest.hasNext()) {
            Map.Entry<String, Instant> entry = oldest.next();
            if (byAge.size() <= settings.maxEntries() && entry.getValue().isAfter(expired)) {
                break;
            }
            store.delete(entry.getKey());
            oldest.remove();
        }
        size = byAge.size();
    }

    /** Answers kept now. */
    int size() {
        return size;
    }

    /** The task moves away: readers on other threads miss from now on. */
    void close() {
        open = false;
    }

    private static CachedResult decode(byte[] bytes) {
        try {
            return CODEC.decode(PromptTopology.RESULT_STORE, bytes, CachedResult.class);
        } catch (WireFormatException e) {
            LOG.warnf("an unreadable cached answer is dropped: %s", e.getMessage());
            return null;
        }
    }
}
