package dev.gptjt.stream.topology;

import dev.gptjt.engine.Lane;
import dev.gptjt.schema.internal.ParkedPrompt;
import dev.gptjt.schema.internal.PendingPrompt;
import dev.gptjt.schema.wire.SingleObjectWireFormat;
import dev.gptjt.schema.wire.WireFormat;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The records of one task not yet answered, by store key in arrival order, each in exactly one {@link State}.
 *
 * <p>The changelogged pending store and the ledger change together, here only: a record is written to the store
 * when it enters the ledger ({@link #park}, {@link #queue}) and deleted when it leaves it ({@link #settle}), so what
 * the store holds for a key always matches its state (a {@link ParkedPrompt} while parked, a {@link PendingPrompt}
 * otherwise). The pending and parked gauges follow each transition, so they count the ledger's entries exactly.
 *
 * <p>A submitted prompt whose key leaves {@link InFlight} other than by its answer (a redelivery replaces it, the
 * task moves away) has its future cancelled on the way out, which cancels the engine's work on it: nobody would
 * forward its result.
 */
final class PendingLedger {
    /** The pending store always holds single-object Avro, whatever the topics' wire format. */
    private static final WireFormat STORE_CODEC = new SingleObjectWireFormat();

    /** What has become of a stored record. */
    sealed interface State permits Parked, Waiting, InFlight {}

    /** Kept as it came, undecoded: the schema registry did not answer. */
    record Parked() implements State {}

    /** Decoded and checked; waiting for room in its lane of the engine (queue full, restored, or handed back). */
    record Waiting(Lane lane) implements State {}

    /**
     * Submitted to the engine. A done future whose result could not be forwarded yet (its output schema unknown
     * while the registry is away) stays here until forwarding succeeds.
     */
    record InFlight(PendingPrompt pending, CompletableFuture<Dispatcher.Outcome> future) implements State {}

    private static final Parked PARKED = new Parked();

    private final KeyValueStore<String, byte[]> store;
    private final TopologyMetrics metrics;
    private final Lanes lanes;
    private final Map<String, State> states = new LinkedHashMap<>();

    PendingLedger(KeyValueStore<String, byte[]> store, TopologyMetrics metrics, Lanes lanes) {
        this.store = store;
        this.metrics = metrics;
        this.lanes = lanes;
    }

    /**
     * Tracks every stored record the ledger does not (at start, all the store restored; later, none, by
     * construction): a parked one as parked, a pending one as waiting.
     *
     * @return how many pending prompts it took on
     */
    int adoptUntracked() {
        List<String> found = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> all = store.all()) {
            while (all.hasNext()) {
                String key = all.next().key;
                if (!states.containsKey(key)) {
                    found.add(key);
                }
            }
        }
        int pending = 0;
        for (String key : found) {
            SpecificRecord stored = stored(key);
            if (stored instanceof PendingPrompt prompt) {
                move(key, waiting(prompt));
                pending++;
            } else {
                move(key, PARKED);
            }
        }
        return pending;
    }

    /**
     * Puts {@code key} back in step with what the store holds for it (parked, waiting, or out of the ledger when the
     * store has nothing): for a state found not to match its record, which must not stop the stream thread.
     */
    void realign(String key) {
        SpecificRecord stored = stored(key);
        move(key, stored == null ? null : stored instanceof PendingPrompt prompt ? waiting(prompt) : PARKED);
    }

    /** Keeps {@code source} undecoded under {@code key}, whatever state the key was in (a redelivery replaces it). */
    void park(String key, ParkedPrompt source) {
        if (!(states.get(key) instanceof Parked)) {
            store.put(key, STORE_CODEC.encode(PromptTopology.PENDING_STORE, source));
        }
        move(key, PARKED);
    }

    /** Stores {@code pending} under {@code key} to wait for the engine, whatever state the key was in. */
    void queue(String key, PendingPrompt pending) {
        store.put(key, STORE_CODEC.encode(PromptTopology.PENDING_STORE, pending));
        move(key, waiting(pending));
    }

    /** A waiting prompt the engine took. */
    void submitted(String key, PendingPrompt pending, CompletableFuture<Dispatcher.Outcome> future) {
        requireState(key, Waiting.class);
        move(key, new InFlight(pending, future));
    }

    /** A submitted prompt the engine handed back unanswered (overloaded, closing, cancelled): it waits again. */
    void handedBack(String key) {
        requireState(key, InFlight.class);
        move(key, waiting(((InFlight) states.get(key)).pending()));
    }

    /** The record under {@code key} is answered (its result or dead letter forwarded): out of the store and ledger. */
    void settle(String key) {
        if (states.containsKey(key)) {
            store.delete(key);
            move(key, null);
        }
    }

    /** What the store holds for a tracked key: a {@link ParkedPrompt} while parked, else a {@link PendingPrompt}. */
    SpecificRecord stored(String key) {
        byte[] bytes = store.get(key);
        return bytes == null ? null : STORE_CODEC.decode(PromptTopology.PENDING_STORE, bytes);
    }

    /** The keys in {@code state}, in arrival order (a copy: transitions may follow while the caller walks it). */
    List<String> keysIn(Class<? extends State> state) {
        List<String> keys = new ArrayList<>();
        states.forEach((key, s) -> {
            if (state.isInstance(s)) {
                keys.add(key);
            }
        });
        return keys;
    }

    /** The lane {@code key} waits in; null when it is not waiting. */
    Lane waitingLane(String key) {
        return states.get(key) instanceof Waiting w ? w.lane() : null;
    }

    /** The waiting prompts' keys and lanes, in arrival order (a copy). */
    List<Map.Entry<String, Lane>> waiting() {
        List<Map.Entry<String, Lane>> out = new ArrayList<>();
        states.forEach((key, s) -> {
            if (s instanceof Waiting w) {
                out.add(Map.entry(key, w.lane()));
            }
        });
        return out;
    }

    /** The submitted prompts, in arrival order (a copy). */
    List<Map.Entry<String, InFlight>> inFlight() {
        List<Map.Entry<String, InFlight>> out = new ArrayList<>();
        states.forEach((key, s) -> {
            if (s instanceof InFlight f) {
                out.add(Map.entry(key, f));
            }
        });
        return out;
    }

    int parked() {
        return (int) states.values().stream().filter(Parked.class::isInstance).count();
    }

    /**
     * The task moves away: its records stay in the store for the next owner; this ledger forgets them, cancelling
     * the engine's work on those in flight (the next owner computes them).
     */
    void release() {
        for (String key : List.copyOf(states.keySet())) {
            move(key, null);
        }
    }

    private void requireState(String key, Class<? extends State> expected) {
        if (!expected.isInstance(states.get(key))) {
            throw new IllegalStateException(key + " is " + states.get(key) + ", not " + expected.getSimpleName());
        }
    }

    private Waiting waiting(PendingPrompt pending) {
        return new Waiting(lanes.of(pending));
    }

    /**
     * The one transition: {@code key} to {@code next} ({@code null}: out of the ledger), the gauges with it; a future
     * left behind is cancelled (a no-op once it is done).
     */
    private void move(String key, State next) {
        State previous = next == null ? states.remove(key) : states.put(key, next);
        if (previous instanceof InFlight left && left != next) {
            left.future().cancel(false);
        }
        int pending = countsAsPending(next) - countsAsPending(previous);
        int parked = (next instanceof Parked ? 1 : 0) - (previous instanceof Parked ? 1 : 0);
        if (pending != 0) {
            metrics.pending(pending);
        }
        if (parked != 0) {
            metrics.parked(parked);
        }
    }

    private static int countsAsPending(State state) {
        return state instanceof Waiting || state instanceof InFlight ? 1 : 0;
    }
}
