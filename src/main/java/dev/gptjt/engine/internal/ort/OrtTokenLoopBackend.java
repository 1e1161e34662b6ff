package dev.gptjt.engine.internal.ort;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.gptjt.engine.EngineResult;
import dev.gptjt.engine.GenerationParams;
import dev.gptjt.engine.PromptPrefix;
import dev.gptjt.engine.internal.GenerationBackend;
import dev.gptjt.engine.internal.LabelScores;
import dev.gptjt.engine.internal.PreparedRequest;
import dev.gptjt.engine.internal.RowState;
import dev.gptjt.engine.internal.StepOutput;
import dev.gptjt.engine.internal.StepWork;
import dev.gptjt.engine.internal.sampling.ConstrainedSampler;
import dev.gptjt.engine.internal.sampling.Sampler;
import dev.gptjt.engine.internal.sampling.ShapeTables;
import dev.gptjt.engine.model.ModelConfig;
import dev.gptjt.engine.tokenizer.Gpt2Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Java token loop: one {@code OrtSession.run} per generated token over a left-padded batch,
 * feeding each step's {@code present.*} outputs back as the next step's {@code past_key_values.*}
 * inputs. Requests queued while a batch runs join it at the next step (iteration-level batching, see
 * {@code RunningBatch}), and each row is completed as soon as it ends. The present tensors are passed as they are (no copy on the Java side); the previous step's
 * outputs are closed only after the next run has consumed them.
 *
 * <p>Left padding follows Hugging Face: pads carry attention mask 0 and
 * {@code position_ids = max(cumsum(mask) - 1, 0)}; each new step appends mask 1 and advances every
 * row's position by one. Done so, a row's tokens equal its unbatched generation.
 */
public final class OrtTokenLoopBackend implements GenerationBackend {
    private final DecoderSession decoder;
    private final Gpt2Tokenizer tokenizer;
    private final ModelConfig config;
    private final DecoderStepper stepper;
    private final KvCacheMerge.BufferPool buffers = new KvCacheMerge.BufferPool(); // scheduler thread only
    private final RunControl control = new RunControl();
    private final TokenLoopLabelScorer scorer;
    private final JumpForwardSetting jumpForward;
    private final ShapeTables shapes;
    private final RunningBatch batch; // the rows across steps: scheduler thread only

    /**
     * Whether constrained rows write the tokens their shape forces in one multi-token step ({@link dev.gptjt.engine.constraint.JumpForward}),
     * and the most columns the running cache may reach (the engine's context): a jump leaves masked columns in
     * the other rows of its step, and a merge closes them before the cache would grow past it.
     */
    public record JumpForwardSetting(boolean on, int maxColumns) {
        /** Off: every token a step. */
        public static final JumpForwardSetting OFF = new JumpForwardSetting(false, Integer.MAX_VALUE);
    }

    public OrtTokenLoopBackend(DecoderSession decoder, Gpt2Tokenizer tokenizer) {
        this(decoder, tokenizer, JumpForwardSetting.OFF);
    }

    public OrtTokenLoopBackend(DecoderSession decoder, Gpt2Tokenizer tokenizer, JumpForwardSetting jumpForward) {
        this(
                decoder,
                new ShapeTables(
                        tokenizer,
                        decoder.config().vocabSize(),
                        decoder.config().eosTokenId(),
                        jumpForward.on()),
                jumpForward);
    }

    /** @param shapes the engine's constrained-row tables, shared with its other backends */
    public OrtTokenLoopBackend(DecoderSession decoder, ShapeTables shapes, JumpForwardSetting jumpForward) {
        this.decoder = decoder;
        this.tokenizer = shapes.tokenizer();
        this.shapes = shapes;
        this.jumpForward = jumpForward;
        this.config = decoder.config();
        this.stepper = new DecoderStepper(decoder, buffers);
        this.scorer = new TokenLoopLabelScorer(stepper, config, control);
        this.batch = new RunningBatch();
    }

    @Override
    public String name() {
        return "ort-java-loop";
    }

    @Override
    public List<EngineResult> run(List<PreparedRequest> batch) {
        return GenerationBackend.runBySteps(this, batch);
    }

    /**
     * One step of the running batch: drops the rows {@code work} stops (a merge frees them before the step's pass),
     * scores its classifications, runs its prompt passes (a chunk of a long prompt is kept aside until its last chunk,
     * when the row joins), then decodes a token for every row.
     */
    @Override
    public StepOutput step(StepWork work) {
        OrtSession.RunOptions options = null;
        try {
            options = control.begin();
            return batch.step(work, options);
        } catch (OrtException e) {
            batch.reset();
            throw control.failure(e);
        } catch (RuntimeException | Error e) {
            batch.reset();
            throw e;
        } finally {
            control.end(options);
        }
    }

    /** Scores the requests' labels; {@code batchSize} is what their results report. */
    private void score(
            List<PreparedRequest.Classification> scoring,
            int batchSize,
            List<StepOutput.Done> done,
            OrtSession.RunOptions options)
            throws OrtException {
        if (scoring.isEmpty()) {
            return;
        }
        long start = System.nanoTime();
        double[][] labelLogProbs = scorer.score(scoring, options);
        List<EngineResult> results =
                LabelScores.of(scoring, labelLogProbs, System.nanoTime() - start, batchSize, name());
        for (int i = 0; i < scoring.size(); i++) {
            done.add(new StepOutput.Done(scoring.get(i), results.get(i)));
        }
    }

    /** One pass over the prefix alone; its KV cache is kept (a copy out of the shared buffer pool). */
    @Override
    public PromptPrefix.CacheState cachePrefix(int[] tokens) {
        OrtSession.RunOptions options = null;
        try {
            options = control.begin();
            PreparedRequest prefix = new PreparedRequest.Generation(
                    "prefix", tokens, GenerationParams.DEFAULTS, System.nanoTime(), Long.MAX_VALUE, null);
            try (DecoderStepper.Output pass = stepper.promptPass(
                    DecoderStepper.Prompts.of(List.of(prefix), config.eosTokenId()), List.of(prefix), options)) {
                KvCacheMerge.Merged kv = KvCacheMerge.merge(
                        decoder,
                        List.of(KvCacheMerge.Source.of(pass, tokens.length, 0, tokens.length)),
                        new KvCacheMerge.BufferPool());
                return new CachedPrefix(kv, (long) tokens.length * KvCacheMerge.bytesPerToken(decoder));
            }
        } catch (OrtException e) {
            throw control.failure(e);
        } finally {
            control.end(options);
        }
    }

    /** The row's sampler: its parameters', under its constraint when it has one. */
    private Sampler samplerOf(PreparedRequest.Generation request) {
        return request.constraint() == null ? Sampler.of(request.params()) : shapes.samplerOf(request);
    }

    /** A generating row: its progress, its sampler, and where it stands in the running batch's cache. */
    private static final class Row {
        final RowState state;
        final Sampler sampler;
        final long startNanos; // when it was admitted: its prompt pass counts as inference, not as queueing
        int cached; // real tokens of this row in the cache (prompt, then every fed token)
        int[] feed = new int[4]; // the tokens to feed: the last one picked, then any forced after it
        int fedUpTo; // of feed[0, feedLength), those fed already
        int feedLength;
        long[] columns = new long[64]; // the row's mask over the cache's columns: 1 where one of its tokens is
        int gaps; // masked columns after its first real one (left by jump-forward steps of other rows)

        Row(RowState state, Sampler sampler, long startNanos) {
            this.state = state;
            this.sampler = sampler;
            this.startNanos = startNanos;
        }

        boolean dropped; // stopped by the scheduler: never completes, freed at the next merge

        boolean finished() {
            return dropped || state.finished();
        }

        /** Tokens picked or forced but not yet fed. */
        int pending() {
            return feedLength - fedUpTo;
        }

        /** The row's picked token: the only one to feed, until jump-forward adds what it forces. */
        void picked(int token) {
            fedUpTo = 0;
            feedLength = 0;
            feed(token);
        }

        void feed(int token) {
            if (feedLength == feed.length) {
                feed = Arrays.copyOf(feed, feedLength * 2);
            }
            feed[feedLength++] = token;
        }

        /** The row's columns in a cache of {@code length} columns whose last {@link #cached} are its own, no gaps. */
        void rightAligned(int length) {
            columns = capacity(columns, length);
            Arrays.fill(columns, 0, length - cached, 0L);
            Arrays.fill(columns, length - cached, length, 1L);
            gaps = 0;
        }

        /** A step appended {@code width} columns at {@code from}, the last {@code real} of them the row's. */
        void appended(int from, int width, int real) {
            columns = capacity(columns, from + width);
            Arrays.fill(columns, from, from + width - real, 0L);
            Arrays.fill(columns, from + width - real, from + width, 1L);
            gaps += width - real;
            cached += real;
        }

        private static long[] capacity(long[] a, int n) {
            return a.length >= n ? a : Arrays.copyOf(a, Math.max(n, a.length * 2));
        }
    }

    /**
     * Iteration-level batching over a left-padded KV cache: every step feeds each row its last token;
     * at a step boundary the feed's new requests get their own prompt pass and join, their cache rows
     * merged with the running ones ({@link KvCacheMerge}); finished rows are completed at once and
     * dropped at the next merge. Without admissions, a batch runs exactly as one left-padded batch.
     *
     * <p>Row r's mask over the {@code length + 1} columns of a step is 0 before its {@code cached} real
     * columns and 1 from there; its position id is {@code cached} — Hugging Face's left padding.
     *
     * <p>Jump-forward: a constrained row whose shape forces tokens after the one it picked feeds them without
     * picking them, several in one step where the step's width allows ({@link #width()}). A wide step's rows have
     * their tokens right-aligned after masked pads (whose columns stay masked: gaps, which position ids skip), and
     * every row's logits at the last position. A merge closes the gaps when they take a quarter of the cache or would
     * push it past the context.
     */
    private final class RunningBatch {
        private final float[] logits = new float[config.vocabSize()];
        private List<Row> rows = new ArrayList<>(); // in cache row order
        private KvCache cache;
        private int length; // cache columns
        /** Rows part-way through a chunked prompt: the cache of the tokens run so far, kept as a prefix is. */
        private final Map<PreparedRequest, PromptPrefix> partial = new IdentityHashMap<>();

        private List<StepOutput.Done> done; // this step's ended requests
        private OrtSession.RunOptions options; // this step's

        StepOutput step(StepWork work, OrtSession.RunOptions options) throws OrtException {
            control.check();
            this.options = options;
            this.done = new ArrayList<>();
            List<StepOutput.Stopped> stopped = new ArrayList<>();
            boolean freed = false;
            for (PreparedRequest r : work.stop()) {
                PromptPrefix part = partial.remove(r);
                if (part != null) {
                    part.state().close();
                    stopped.add(new StepOutput.Stopped(r, 0));
                }
                for (Row row : rows) {
                    if (row.state.request() == r && !row.finished()) {
                        row.dropped = true;
                        freed = true;
                        stopped.add(new StepOutput.Stopped(r, row.state.generated()));
                    }
                }
            }
            int computed = 0;
            int promptTokens = 0;
            List<PreparedRequest.Classification> scoring = new ArrayList<>();
            List<StepWork.Start> generating = new ArrayList<>();
            for (StepWork.Start start : work.start()) {
                if (start.request() instanceof PreparedRequest.Classification c) {
                    scoring.add(c);
                } else {
                    generating.add(start);
                }
                PromptPrefix part = partial.get(start.request());
                promptTokens += start.upTo()
                        - (part != null ? part.tokens().length : start.request().prefixLength());
            }
            // a classification's passes are its own (prompt, then labels): it ends in this step
            score(scoring, work.start().size() + unfinished(), done, options); // the rows of this step
            computed += scoring.size();
            boolean compact = freed || compactionDue();
            if (!generating.isEmpty() || compact) {
                computed += generating.size();
                admit(generating, compact);
            }
            int decodeTokens = 0;
            if (rows.stream().anyMatch(r -> !r.finished())) {
                computed += rows.size();
                decodeTokens = step();
            }
            if (rows.stream().allMatch(Row::finished)) {
                closeCache(); // nothing running: free the batch's cache now, not at the next admission
                rows = new ArrayList<>();
                length = 0;
            }
            List<StepOutput.Done> ended = done;
            this.done = null;
            this.options = null;
            return new StepOutput(ended, stopped, computed, promptTokens, decodeTokens);
        }

        /** Forgets every row and frees their caches: after a failure, the backend holds nothing. */
        void reset() {
            closeCache();
            rows = new ArrayList<>();
            length = 0;
            partial.values().forEach(p -> p.state().close());
            partial.clear();
        }

        /**
         * Half or more of the rows are finished: drop them rather than keep computing them; or jump-forward gaps take a
         * quarter of the cache's columns, or would take the next step past the context: close them.
         */
        private boolean compactionDue() {
            long finished = rows.stream().filter(Row::finished).count();
            if (finished == rows.size()) {
                return false;
            }
            int gaps = rows.stream()
                    .filter(r -> !r.finished())
                    .mapToInt(r -> r.gaps)
                    .max()
                    .orElse(0);
            return (finished > 0 && 2 * finished >= rows.size())
                    || (gaps > 0 && (4 * gaps >= length || length + width() > jumpForward.maxColumns()));
        }

        /**
         * The next step's width: the widest at which at most a quarter of the unfinished rows' positions are pads. A
         * step costs about its rows times its width (on a CPU, and on a GPU once the batch is compute-bound), so one
         * row's jump must not widen every other row's step: a lone jumping row in a busy batch feeds its forced tokens
         * a step each (still skipping their sampling), a row alone or rows jumping together feed them in one.
         */
        private int width() {
            int unfinished = 0;
            int widest = 1;
            for (Row row : rows) {
                if (!row.finished()) {
                    unfinished++;
                    widest = Math.max(widest, row.pending());
                }
            }
            for (int width = widest; width > 1; width--) {
                int useful = 0;
                for (Row row : rows) {
                    useful += row.finished() ? 0 : Math.min(row.pending(), width);
                }
                if (4 * (unfinished * width - useful) <= unfinished * width) {
                    return width;
                }
            }
            return 1;
        }

        /**
         * Runs the starting rows' prompt pass — each from its cached prefix, or from its chunks so far — and merges the
         * rows whose prompt it completes with the running unfinished ones; a row whose pass was a chunk keeps its cache
         * aside, as a prefix of the rest of its prompt.
         */
        private void admit(List<StepWork.Start> starts, boolean compact) throws OrtException {
            List<Row> fresh = new ArrayList<>();
            List<KvCacheMerge.Source> freshSources = new ArrayList<>();
            List<DecoderStepper.Output> outputs = new ArrayList<>();
            DecoderStepper.Output prompt = null;
            DecoderStepper.Prompts p = null;
            try {
                // whole prompts share one pass; a chunk runs in a pass of its own, continuing its row's chunks so far
                List<List<StepWork.Start>> passes = new ArrayList<>();
                List<StepWork.Start> whole = new ArrayList<>();
                for (StepWork.Start start : starts) {
                    if (start.last() && !partial.containsKey(start.request())) {
                        whole.add(start);
                    } else {
                        passes.add(List.of(start));
                    }
                }
                if (!whole.isEmpty()) {
                    passes.add(0, whole);
                }
                long admitted = System.nanoTime();
                int batchSize = starts.size() + unfinished();
                for (List<StepWork.Start> group : passes) {
                    List<PreparedRequest.Generation> pass = new ArrayList<>(group.size());
                    group.forEach(start -> pass.add(passOf(start)));
                    p = DecoderStepper.Prompts.of(pass, config.eosTokenId());
                    prompt = stepper.promptPass(p, pass, options);
                    outputs.add(prompt);
                    for (int r = 0; r < group.size(); r++) {
                        PreparedRequest.Generation req =
                                (PreparedRequest.Generation) group.get(r).request();
                        PromptPrefix before = partial.remove(req);
                        if (!group.get(r).last()) {
                            partial.put(req, chunkOf(prompt, p, r, pass.get(r).promptIds()));
                        } else {
                            Row row = new Row(
                                    new RowState(req, tokenizer, config.eosTokenId()), samplerOf(req), admitted);
                            row.cached = req.promptIds().length;
                            fresh.add(row);
                            freshSources.add(p.source(prompt, r));
                            prompt.row(r, 0, logits);
                            accept(row, batchSize);
                        }
                        if (before != null) {
                            before.state().close(); // read by the pass; its outputs are buffers of their own
                        }
                    }
                }
                if (fresh.isEmpty() && !rows.isEmpty() && !compact) {
                    return; // only chunks ran: the running batch is left as it is (no merge, no copy)
                }
                if (rows.stream().allMatch(Row::finished)
                        && outputs.size() <= 1
                        && fresh.size() == starts.size()
                        && (p == null || p.gapFree())) {
                    // nothing running: the prompt pass's cache is the batch's, as it is (no copy)
                    closeCache();
                    cache = prompt;
                    outputs.clear();
                    length = p == null ? 0 : p.total();
                    rows = fresh;
                    rows.forEach(row -> row.rightAligned(length));
                    return;
                }
                mergeWith(fresh, freshSources);
            } finally {
                outputs.forEach(DecoderStepper.Output::close);
            }
        }

        /** Merges the running unfinished rows with {@code fresh} (whose caches are {@code sources}): the new batch. */
        private void mergeWith(List<Row> fresh, List<KvCacheMerge.Source> freshSources) throws OrtException {
            List<KvCacheMerge.Source> sources = new ArrayList<>();
            List<Row> kept = new ArrayList<>();
            for (int r = 0; r < rows.size(); r++) {
                if (!rows.get(r).finished()) {
                    sources.add(KvCacheMerge.Source.ofMask(cache, length, r, rows.get(r).columns, 0));
                    kept.add(rows.get(r));
                }
            }
            for (int k = 0; k < fresh.size(); k++) {
                if (!fresh.get(k).finished()) {
                    sources.add(freshSources.get(k));
                    kept.add(fresh.get(k));
                }
            }
            if (kept.isEmpty()) { // every row ended: nothing to keep
                closeCache();
                rows = new ArrayList<>();
                length = 0;
                return;
            }
            KvCacheMerge.Merged merged = KvCacheMerge.merge(decoder, sources, buffers);
            closeCache();
            cache = merged;
            length = merged.length();
            rows = kept;
            rows.forEach(row -> row.rightAligned(length));
        }

        /**
         * One token for every row of the cache, and for a jumping row the tokens its shape forced after it (finished rows
         * are fed EOS until the next merge drops them).
         */
        private int step() throws OrtException {
            int b = rows.size();
            int width = width();
            int total = length + width;
            long[] ids = new long[b * width];
            long[] positions = new long[b * width];
            long[] mask = new long[b * total];
            Arrays.fill(ids, config.eosTokenId());
            int[] fed = new int[b];
            for (int r = 0; r < b; r++) {
                Row row = rows.get(r);
                fed[r] = row.finished() ? 1 : Math.min(row.pending(), width);
                System.arraycopy(row.columns, 0, mask, r * total, length);
                for (int i = 0; i < width; i++) {
                    int t = i - (width - fed[r]); // the row's i-th token, right-aligned; pads before it
                    positions[r * width + i] = row.cached + Math.max(t, 0);
                    if (t >= 0) {
                        ids[r * width + i] = row.finished() ? config.eosTokenId() : row.feed[row.fedUpTo + t];
                        mask[r * total + length + i] = 1L;
                    }
                }
            }
            DecoderStepper.Output output =
                    stepper.run(ids, mask, positions, b, width, total, cache, new int[] {width - 1}, options);
            closeCache();
            cache = output;
            for (int r = 0; r < b; r++) {
                Row row = rows.get(r);
                row.appended(length, width, fed[r]);
                row.fedUpTo = Math.min(row.feedLength, row.fedUpTo + fed[r]);
            }
            length = total;
            int decoded = 0;
            for (int r = 0; r < b; r++) {
                Row row = rows.get(r);
                if (!row.finished()) {
                    decoded += fed[r];
                }
            }
            for (int r = 0; r < b; r++) {
                Row row = rows.get(r);
                if (!row.finished() && row.pending() == 0) { // a row with forced tokens still to feed picks nothing yet
                    output.row(r, 0, logits);
                    accept(row, b);
                }
            }
            return decoded;
        }

        /**
         * Samples the row's next token from {@link #logits}, then takes the tokens its shape forces after it (jump-
         * forward, where on); completes the row if that ends it.
         */
        private void accept(Row row, int batchSize) {
            int token = row.sampler.sample(logits);
            row.state.accept(token);
            row.picked(token);
            if (jumpForward.on() && !row.finished() && row.sampler instanceof ConstrainedSampler constrained) {
                for (int forced : constrained.jump(shapes.jumps())) {
                    row.state.acceptForced(forced);
                    if (row.finished()) {
                        break;
                    }
                    row.feed(forced);
                }
            }
            if (row.finished()) {
                done.add(new StepOutput.Done(
                        row.state.request(), row.state.result(System.nanoTime() - row.startNanos, batchSize, name())));
            }
        }

        /**
         * The request as this step's pass runs it: its prompt up to {@code start.upTo()}, continuing its chunks so far
         * (kept as a prefix) or else its own cached prefix.
         */
        private PreparedRequest.Generation passOf(StepWork.Start start) {
            PreparedRequest.Generation req = (PreparedRequest.Generation) start.request();
            PromptPrefix part = partial.get(req);
            if (part == null && start.last()) {
                return req;
            }
            return new PreparedRequest.Generation(
                    req.id(),
                    Arrays.copyOf(req.promptIds(), start.upTo()),
                    req.params(),
                    req.submittedNanos(),
                    req.deadlineNanos(),
                    part != null ? part : req.prefix(),
                    req.constraint());
        }

        /** Row {@code r} of a pass that ran a chunk of {@code tokens}: its cache copied out, as a prefix of the rest. */
        private PromptPrefix chunkOf(DecoderStepper.Output pass, DecoderStepper.Prompts p, int r, int[] tokens)
                throws OrtException {
            KvCacheMerge.Merged kv =
                    KvCacheMerge.merge(decoder, List.of(p.source(pass, r)), new KvCacheMerge.BufferPool());
            return new PromptPrefix(
                    "", tokens, new CachedPrefix(kv, (long) tokens.length * KvCacheMerge.bytesPerToken(decoder)));
        }

        private int unfinished() {
            return (int) rows.stream().filter(r -> !r.finished()).count();
        }

        private void closeCache() {
            if (cache != null) {
                cache.close();
                cache = null;
            }
        }
    }

    @Override
    public long ortNanos() {
        return stepper.ortNanos();
    }

    /** One row, then one more joining at every step up to {@code maxBatchSize}, each generating a few tokens. */
    @Override
    public void warmUp(int maxBatchSize) {
        GenerationParams params =
                GenerationParams.DEFAULTS.withMaxNewTokens(maxBatchSize + 4).withIgnoreEos(true);
        int ended = 0;
        for (int i = 0; ended < maxBatchSize; i++) {
            List<PreparedRequest> joining =
                    i < maxBatchSize ? List.of(PreparedRequest.Generation.warmUp(i, params)) : List.of();
            ended += step(StepWork.starting(joining)).done().size();
        }
    }

    @Override
    public void terminate() {
        control.terminate();
    }

    @Override
    public void close() {
        terminate();
        batch.reset();
        decoder.close();
    }
}
