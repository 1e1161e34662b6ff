package dev.gptjt.stream.topology;

import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.ErrorCode;
import dev.gptjt.engine.Lane;
import dev.gptjt.schema.FailureReason;
import dev.gptjt.schema.PromptFailure;
import dev.gptjt.schema.PromptRequest;
import dev.gptjt.schema.internal.Header;
import dev.gptjt.schema.internal.ParkedPrompt;
import dev.gptjt.schema.internal.PendingPrompt;
import dev.gptjt.schema.wire.WireFormat;
import dev.gptjt.schema.wire.WireFormatException;
import dev.gptjt.schema.wire.WireFormatUnavailableException;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.jboss.logging.Logger;

/**
 * Takes prompts in and sends results out for one task (partition) of the topology.
 *
 * <p>Crash safety: a prompt is written to the changelogged pending store in {@link #process} before
 * it returns (Kafka Streams may commit its offset right after), and deleted only when its result is
 * forwarded from the wall-clock punctuator. A prompt lost in memory (crash, rebalance) is therefore
 * still in the store of whichever instance owns the task next, and {@link #init} resubmits it. The store and
 * what this task knows of each stored record change together, in {@link PendingLedger}.
 *
 * <p>The stream thread never waits on inference: submission to the shared engine returns a future
 * at once, and the punctuator forwards only futures already done. A full engine queue leaves the
 * prompt in the store, to be submitted again on a later punctuation.
 *
 * <p>Lanes ({@link Lanes}): each prompt runs in the realtime or the bulk lane of the engine, whose queues are capped
 * apart. Backpressure holds back only realtime intake: a realtime record waits (at most {@code max-block}) for room
 * in the realtime lane; a bulk record never waits on the stream thread, which may carry realtime partitions too: it
 * is stored and submitted as the bulk lane has room. Each lane is submitted in arrival order, and a full lane never
 * stops the other's submission.
 *
 * <p>When the task moves away ({@link #close}) the engine's work on its in-flight prompts is cancelled; they stay in
 * the store for the next owner.
 */
final class PromptProcessor implements Processor<byte[], byte[], byte[], Outbound> {
    private static final Logger LOG = Logger.getLogger(PromptProcessor.class);

    private final TopologySettings settings;
    private final Dispatcher dispatcher;
    private final Lanes lanes;
    private final WireFormat wire;
    private final Clock clock;
    private final RequestValidator validator;
    private final TopologyMetrics metrics;
    private final ResultFactory results;
    private final SharedResults shared;
    /** The way to an answer: the result cache, then the engine; set up in {@link #init} with the task's store. */
    private Answers answers;

    private final ResultRouting routing;

    private ProcessorContext<byte[], Outbound> context;
    /** Every stored record of this task and its state; with the pending store, changed only through it. */
    private PendingLedger ledger;
    /** While the registry does not answer, parked records are tried again this often, not at every punctuation. */
    private static final Duration PARKED_RETRY = Duration.ofSeconds(1);

    private Instant nextParkedRetry = Instant.MIN;

    /** How the engine words a deadline that passed while the row was generating. */
    private static final Pattern MID_GENERATION = Pattern.compile("after \\d+ of \\d+ tokens");

    /** What became of a record offered to {@link #accept}. */
    enum Admission {
        /** Decoded and checked: stored, waiting for the engine. */
        QUEUED,
        /** Unreadable or refused: its dead letter forwarded, nothing of it kept (an earlier copy settled too). */
        DEAD_LETTERED,
        /**
         * The schema registry did not answer decoding it or encoding its dead letter: nothing forwarded; kept as it
         * came, parked, for {@link #retryParked} to try again.
         */
        PARKED
    }

    PromptProcessor(
            TopologySettings settings,
            Inference engine,
            TaskCascades cascades,
            WireFormat wire,
            ResultFactory results,
            Clock clock,
            TopologyMetrics metrics,
            SharedResults shared) {
        this.metrics = metrics;
        this.results = results.withPolicies(settings.policies());
        this.shared = shared;
        this.settings = settings;
        this.dispatcher = new Dispatcher(
                engine, cascades, metrics, settings.tasks(), this.results, settings.completionsTopic(), clock);
        this.routing = new ResultRouting(settings.policies(), settings.auditTopic());
        this.lanes = new Lanes(settings);
        this.wire = wire;
        this.clock = clock;
        this.validator = new RequestValidator(
                settings.allowedReplyTopics(), settings.tasks().keySet(), engine.maxPromptChars());
    }

    @Override
    public void init(ProcessorContext<byte[], Outbound> context) {
        this.context = context;
        this.ledger = new PendingLedger(context.getStateStore(PromptTopology.PENDING_STORE), metrics, lanes);
        ResultCache cache = settings.cache().enabled()
                ? new ResultCache(context.getStateStore(PromptTopology.RESULT_STORE), settings.cache())
                : null;
        this.answers = new Answers(dispatcher, results, cache, shared, metrics, clock);
        // Called once the store is restored: whatever it holds was accepted earlier and never answered.
        int restored = ledger.adoptUntracked();
        if (restored > 0) {
            LOG.infof("task %s: resubmitting %d pending prompts restored from the store", context.taskId(), restored);
        }
        context.schedule(settings.flushInterval(), PunctuationType.WALL_CLOCK_TIME, timestamp -> flush());
        context.schedule(settings.reconcileInterval(), PunctuationType.WALL_CLOCK_TIME, timestamp -> reconcile());
        submitWaiting();
    }

    /**
     * Safety net: any stored prompt the ledger does not track (it cannot happen by design, but a lost prompt must
     * never be silent) is picked up again.
     */
    private void reconcile() {
        int found = ledger.adoptUntracked();
        if (found > 0) {
            LOG.warnf("task %s: %d stored prompts were not tracked; resubmitting them", context.taskId(), found);
            submitWaiting();
        }
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        RecordMetadata meta = context.recordMetadata().orElseThrow();
        Instant now = clock.instant();
        metrics.promptIn();
        // Keyed by source position: a redelivered record (at-least-once) replaces its own entry.
        String key = meta.topic() + "/" + meta.partition() + "/" + meta.offset();
        ParkedPrompt source = ParkedPrompt.newBuilder()
                .setTopic(meta.topic())
                .setPartition(meta.partition())
                .setOffset(meta.offset())
                .setKey(record.key() == null ? null : ByteBuffer.wrap(record.key()))
                .setHeaders(headers(record.headers()))
                .setValue(ByteBuffer.wrap(record.value() == null ? new byte[0] : record.value()))
                .setReceivedAt(now)
                .build();
        Admission admission = record.value() == null
                ? deadLetter(
                        key,
                        source,
                        ResultFactory.unreadable(
                                meta.topic(), meta.partition(), meta.offset(), null, "record has no value", now))
                : accept(key, source, now);
        if (admission == Admission.QUEUED) {
            if (ledger.waitingLane(key) == Lane.REALTIME) {
                // Backpressure: when the realtime lane is full, wait (bounded) for room rather than read on; returns
                // at once when there is room. The prompt is safe in the store either way. A bulk record never waits
                // here: this thread may carry realtime partitions, which a full bulk lane must not hold back.
                dispatcher.awaitCapacity(settings.maxBlock(), Lane.REALTIME);
            }
            submitWaiting();
        }
    }

    /**
     * Decodes and checks a record, stored under {@code key} when it may go to the engine; says what became of it.
     * Whatever the key held before (a redelivered record's earlier copy) is replaced or, dead-lettered, settled.
     */
    private Admission accept(String key, ParkedPrompt source, Instant now) {
        byte[] value = bytes(source.getValue());
        PromptRequest request;
        try {
            request = wire.decode(source.getTopic(), value, PromptRequest.class);
        } catch (WireFormatUnavailableException e) {
            return park(key, source, e);
        } catch (WireFormatException e) {
            return deadLetter(
                    key,
                    source,
                    ResultFactory.unreadable(
                            source.getTopic(), source.getPartition(), source.getOffset(), value, e.getMessage(), now));
        }
        PendingPrompt pending = PendingPrompt.newBuilder()
                .setRequest(request)
                .setTopic(source.getTopic())
                .setPartition(source.getPartition())
                .setOffset(source.getOffset())
                .setKey(source.getKey())
                .setHeaders(source.getHeaders())
                .setReceivedAt(source.getReceivedAt())
                .build();
        Optional<Rejection> rejection = validator.check(request, now);
        if (rejection.isPresent()) {
            try {
                forward(pending, settings.failuresTopic(), ResultFactory.failure(pending, rejection.get(), now));
            } catch (WireFormatUnavailableException e) {
                return park(key, source, e);
            }
            ledger.settle(key);
            return Admission.DEAD_LETTERED;
        }
        ledger.queue(key, pending);
        return Admission.QUEUED;
    }

    /** Forwards a dead letter for a record as it came, settling its key; parks the record if the registry is away. */
    private Admission deadLetter(String key, ParkedPrompt source, PromptFailure failure) {
        try {
            forward(source.getKey(), source.getHeaders(), settings.failuresTopic(), failure);
        } catch (WireFormatUnavailableException e) {
            return park(key, source, e);
        }
        ledger.settle(key);
        return Admission.DEAD_LETTERED;
    }

    /**
     * Keeps a record the registry could not help decode (or whose dead letter it could not help encode) as it came,
     * in the store, for {@link #retryParked} to decode once the registry answers: not dead-lettered, not lost.
     */
    private Admission park(String key, ParkedPrompt source, WireFormatUnavailableException cause) {
        int parked = ledger.parked();
        if (parked > 0) {
            LOG.debugf("task %s: %d parked; %s", context.taskId(), parked, cause.getMessage());
        } else {
            LOG.warnf("task %s: %s; prompts wait in the store until it answers", context.taskId(), cause.getMessage());
        }
        ledger.park(key, source);
        return Admission.PARKED;
    }

    /** Decodes the parked records in arrival order, until the registry fails to answer again. */
    private void retryParked() {
        Instant now = clock.instant();
        List<String> parked = ledger.keysIn(PendingLedger.Parked.class);
        if (parked.isEmpty() || now.isBefore(nextParkedRetry)) {
            return;
        }
        for (String key : parked) {
            if (!(ledger.stored(key) instanceof ParkedPrompt source)) {
                realign(key, "parked");
                continue;
            }
            if (accept(key, source, now) == Admission.PARKED) {
                nextParkedRetry = now.plus(PARKED_RETRY);
                return;
            }
        }
        LOG.infof("task %s: the schema registry answers again; every parked prompt is decoded", context.taskId());
    }

    /** Punctuation: submit what waits, forward what is done. */
    private void flush() {
        retryParked();
        answers.evict();
        submitWaiting();
        Instant now = clock.instant();
        for (Map.Entry<String, PendingLedger.InFlight> entry : ledger.inFlight()) {
            CompletableFuture<Dispatcher.Outcome> future = entry.getValue().future();
            if (!future.isDone()) {
                continue;
            }
            PendingPrompt pending = entry.getValue().pending();
            if (!future.isCompletedExceptionally()) {
                Dispatcher.Outcome outcome = future.join();
                if (!forwarded(pending, routing.route(outcome))) {
                    return; // the registry did not answer: the result waits for a later punctuation
                }
                answers.answered(entry.getKey(), outcome);
                ledger.settle(entry.getKey());
                continue;
            }
            answers.unanswered(entry.getKey());
            Throwable failure = future.handle((r, t) -> t).join();
            if (cancelled(future, failure)) {
                // never forwarded, as a result or a failure: whoever cancelled it did not want this answer (the
                // ledger cancels only what it lets go); the prompt is still owed one, so it waits again
                ledger.handedBack(entry.getKey());
                continue;
            }
            EngineException error = EngineException.from(failure);
            if (error.code() == ErrorCode.OVERLOADED || error.code() == ErrorCode.CLOSED) {
                ledger.handedBack(entry.getKey()); // not an answer: try again later (or leave it to the next owner)
                continue;
            }
            if (!forwarded(pending, settings.failuresTopic(), ResultFactory.failure(pending, rejection(error), now))) {
                return;
            }
            ledger.settle(entry.getKey());
        }
    }

    /**
     * Submits waiting prompts, each lane in arrival order, until that lane's engine queue is full: a full lane keeps
     * the rest of its prompts waiting for a later punctuation, and the other lane's go on.
     */
    private void submitWaiting() {
        Set<Lane> full = EnumSet.noneOf(Lane.class);
        for (Map.Entry<String, Lane> waiting : ledger.waiting()) {
            if (full.size() == Lane.values().length) {
                return;
            }
            String key = waiting.getKey();
            Lane lane = waiting.getValue();
            if (full.contains(lane)) {
                continue; // behind a refused prompt of its lane: keeps its place
            }
            if (!(ledger.stored(key) instanceof PendingPrompt pending)) {
                realign(key, "waiting");
                continue;
            }
            CompletableFuture<Dispatcher.Outcome> future = answers.submit(key, pending, lane);
            if (future.isCompletedExceptionally() && isOverloaded(future)) {
                full.add(lane); // this lane's queue is full: this prompt and the rest of its lane wait
                answers.unanswered(key);
                continue;
            }
            ledger.submitted(key, pending, future);
        }
    }

    /** A future cancelled, here or upstream (the engine's own future cancelled shows as its cause). */
    private static boolean cancelled(CompletableFuture<?> future, Throwable failure) {
        if (future.isCancelled()) {
            return true;
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof CancellationException) {
                return true;
            }
        }
        return false;
    }

    /**
     * A key whose record does not match its state (never seen: the ledger is the store's only writer) is put back in
     * step with the store, loudly, rather than thrown from the punctuator, which would stop the stream thread over one
     * record; what the store holds is kept and served.
     */
    private void realign(String key, String state) {
        LOG.warnf(
                "task %s: %s is %s but the store holds another record; realigned with the store",
                context.taskId(), key, state);
        ledger.realign(key);
    }

    private static boolean isOverloaded(CompletableFuture<?> future) {
        Throwable t = future.handle((r, e) -> e).join();
        ErrorCode code = EngineException.from(t).code();
        return code == ErrorCode.OVERLOADED || code == ErrorCode.CLOSED;
    }

    /**
     * The dead letter of an engine failure. A deadline that passed mid-generation (the engine stopped the row at the
     * next step and says after how many tokens) is said to be so, and that its partial output was dropped.
     */
    static Rejection rejection(EngineException error) {
        String message = error.getMessage();
        if (error.code() == ErrorCode.DEADLINE_EXCEEDED
                && MID_GENERATION.matcher(message).find()) {
            message = "stopped mid-generation: " + message + "; the tokens generated so far were dropped, not sent";
        }
        return new Rejection(reasonOf(error.code()), message);
    }

    private static FailureReason reasonOf(ErrorCode code) {
        return switch (code) {
            case EMPTY_PROMPT -> FailureReason.EMPTY_PROMPT;
            case PROMPT_TOO_LONG -> FailureReason.PROMPT_TOO_LONG;
            case INVALID_PARAMETER -> FailureReason.INVALID_PARAMETER;
            case DEADLINE_EXCEEDED -> FailureReason.DEADLINE_EXCEEDED;
            default -> FailureReason.INFERENCE_FAILED;
        };
    }

    /**
     * Forwards a result; false, having forwarded nothing, when the registry did not answer encoding it (its schema not
     * yet registered or looked up): the caller keeps the prompt and tries again later.
     */
    private boolean forwarded(PendingPrompt pending, String topic, SpecificRecord value) {
        try {
            forward(pending, topic, value);
            return true;
        } catch (WireFormatUnavailableException e) {
            LOG.warnf("task %s: %s; results wait until it answers", context.taskId(), e.getMessage());
            return false;
        }
    }

    /**
     * Forwards every copy of a routed result, or none: each is encoded before any is forwarded, so a registry that
     * does not answer for one topic leaves the prompt pending with nothing of it sent (false).
     */
    private boolean forwarded(PendingPrompt pending, ResultRouting.Routed routed) {
        List<byte[]> encoded = new ArrayList<>();
        try {
            for (ResultRouting.Copy copy : routed.copies()) {
                encoded.add(wire.encode(copy.topic(), copy.value()));
            }
        } catch (WireFormatUnavailableException e) {
            LOG.warnf("task %s: %s; results wait until it answers", context.taskId(), e.getMessage());
            return false;
        }
        SpecificRecord result = routed.copies().get(0).value();
        metrics.resultOut(result.getSchema().getName().toLowerCase(Locale.ROOT));
        if (routed.decided()) {
            metrics.decision(routed.task(), routed.action());
            if (routed.audited()) {
                metrics.auditSampled(routed.task());
            }
        }
        for (int i = 0; i < encoded.size(); i++) {
            send(pending.getKey(), pending.getHeaders(), routed.copies().get(i).topic(), encoded.get(i));
        }
        return true;
    }

    private void forward(PendingPrompt pending, String topic, SpecificRecord value) {
        forward(pending.getKey(), pending.getHeaders(), topic, value);
    }

    /** A record with the source record's key and headers, as the store keeps them. */
    private void forward(ByteBuffer key, List<Header> stored, String topic, SpecificRecord value) {
        byte[] encoded = wire.encode(topic, value);
        if (value instanceof PromptFailure f) {
            metrics.failure(f.getReason());
        } else {
            metrics.resultOut(value.getSchema().getName().toLowerCase(Locale.ROOT));
        }
        send(key, stored, topic, encoded);
    }

    /** An encoded value with the source record's key and headers. */
    private void send(ByteBuffer key, List<Header> stored, String topic, byte[] value) {
        Headers headers = new RecordHeaders();
        for (Header h : stored) {
            headers.add(h.getKey(), h.getValue() == null ? null : bytes(h.getValue()));
        }
        context.forward(
                new Record<>(key == null ? null : bytes(key), new Outbound(topic, value), clock.millis(), headers));
    }

    private static List<Header> headers(Headers headers) {
        List<Header> out = new ArrayList<>();
        for (org.apache.kafka.common.header.Header h : headers) {
            out.add(new Header(h.key(), h.value() == null ? null : ByteBuffer.wrap(h.value())));
        }
        return out;
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer b = buffer.duplicate();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    /** The task moves away (rebalance, shutdown): its prompts stay in the store for the next owner. */
    @Override
    public void close() {
        if (ledger != null) {
            ledger.release();
        }
        if (answers != null) {
            answers.release();
        }
    }
}
