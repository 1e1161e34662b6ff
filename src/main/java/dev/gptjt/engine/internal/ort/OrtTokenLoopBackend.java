package dev.gptjt.engine.internal.ort;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.gptjt.engine.EngineResult;
import dev.gptjt.engine.GenerationParams;
import dev.gptjt.engine.PromptPrefix;
import dev.gptjt.engine.constraint.TokenMask;
import dev.gptjt.engine.internal.GenerationBackend;
import dev.gptjt.engine.internal.LabelScores;
import dev.gptjt.engine.internal.PreparedRequest;
import dev.gptjt.engine.internal.RowFeed;
import dev.gptjt.engine.internal.RowState;
import dev.gptjt.engine.internal.sampling.ConstrainedSampler;
import dev.gptjt.engine.internal.sampling.Sampler;
import dev.gptjt.engine.model.ModelConfig;
import dev.gptjt.engine.tokenizer.Gpt2Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.function.Predicate;

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
    private TokenMask masks; // scheduler thread only

    public OrtTokenLoopBackend(DecoderSession decoder, Gpt2Tokenizer tokenizer) {
        this.decoder = decoder;
        this.tokenizer = tokenizer;
        this.config = decoder.config();
        this.stepper = new DecoderStepper(decoder, buffers);
        this.scorer = new TokenLoopLabelScorer(stepper, config, control);
    }

    @Override
    public String name() {
        return "ort-java-loop";
    }

    @Override
    public List<EngineResult> run(List<PreparedRequest> batch) {
        RowFeed.Collector collected = new RowFeed.Collector();
        run(batch, collected);
        return collected.results(batch);
    }

    /**
     * Scores the batch's classification requests in one pass, then generates its other requests step
     * by step, admitting the feed's requests at step boundaries and completing each row as it ends.
     */
    @Override
    public void run(List<PreparedRequest> batch, RowFeed feed) {
        List<PreparedRequest.Generation> generating = PreparedRequest.generations(batch);
        List<PreparedRequest.Classification> scoring = PreparedRequest.classifications(batch);
        OrtSession.RunOptions options = null;
        try {
            options = control.begin();
            score(scoring, batch.size(), feed, options);
            if (!generating.isEmpty()) {
                new RunningBatch(feed, options).run(generating);
            }
        } catch (OrtException e) {
            throw control.failure(e);
        } finally {
            control.end(options);
        }
    }

    /** Scores the requests' labels and completes them; {@code batchSize} is what their results report. */
    private void score(
            List<PreparedRequest.Classification> scoring, int batchSize, RowFeed feed, OrtSession.RunOptions options)
            throws OrtException {
        if (scoring.isEmpty()) {
            return;
        }
        long start = System.nanoTime();
        double[][] labelLogProbs = scorer.score(scoring, options);
        List<EngineResult> results =
                LabelScores.of(scoring, labelLogProbs, System.nanoTime() - start, batchSize, name());
        for (int i = 0; i < scoring.size(); i++) {
            feed.complete(scoring.get(i), results.get(i));
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
        Sampler sampler = Sampler.of(request.params());
        if (request.constraint() == null) {
            return sampler;
        }
        if (masks == null) { // the token trie, made once on the first constrained request (scheduler thread)
            masks = TokenMask.of(tokenizer, config.vocabSize(), config.eosTokenId());
        }
        return new ConstrainedSampler(
                sampler,
                masks,
                request.constraint(),
                tokenizer,
                config.eosTokenId(),
                request.params().maxNewTokens());
    }

    /** A generating row: its progress, its sampler, and where it stands in the running batch's cache. */
    private static final class Row {
        final RowState state;
        final Sampler sampler;
        final long startNanos; // when it was admitted: its prompt pass counts as inference, not as queueing
        int cached; // real tokens of this row in the cache (prompt, then every fed token)
        long next; // the token to feed at the next step

        Row(RowState state, Sampler sampler, long startNanos) {
            this.state = state;
            this.sampler = sampler;
            this.startNanos = startNanos;
        }

        boolean finished() {
            return state.finished();
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
     */
    private final class RunningBatch {
        private final RowFeed feed;
        private final OrtSession.RunOptions options;
        private final float[] logits = new float[config.vocabSize()];
        private List<Row> rows = new ArrayList<>(); // in cache row order
        private KvCache cache;
        private int length; // cache columns

        RunningBatch(RowFeed feed, OrtSession.RunOptions options) {
            this.feed = feed;
            this.options = options;
        }

        void run(List<PreparedRequest.Generation> first) throws OrtException {
            List<PreparedRequest> incoming = List.copyOf(first);
            try {
                while (true) {
                    control.check();
                    List<PreparedRequest.Classification> scoring = PreparedRequest.classifications(incoming);
                    if (!scoring.isEmpty()) {
                        // a classification's passes are its own (prompt, then labels): no need to wait for this batch
                        score(scoring, scoring.size() + unfinished(), feed, options);
                    }
                    List<PreparedRequest.Generation> generating = PreparedRequest.generations(incoming);
                    if (!generating.isEmpty() || compactionDue()) {
                        admit(generating);
                    }
                    if (rows.stream().allMatch(Row::finished)) {
                        incoming = feed.admit(0, 0);
                        if (incoming.isEmpty()) {
                            return;
                        }
                        closeCache();
                        rows = new ArrayList<>();
                        continue;
                    }
                    long stepStart = System.nanoTime();
                    step();
                    incoming = feed.admit(unfinished(), System.nanoTime() - stepStart);
                }
            } finally {
                closeCache();
            }
        }

        /** Half or more of the rows are finished: drop them rather than keep computing them. */
        private boolean compactionDue() {
            long finished = rows.stream().filter(Row::finished).count();
            return finished > 0 && finished < rows.size() && 2 * finished >= rows.size();
        }

        /** Runs the new requests' prompt pass and merges their cache rows with the running unfinished ones. */
        private void admit(List<PreparedRequest.Generation> incoming) throws OrtException {
            List<Row> fresh = new ArrayList<>();
            DecoderStepper.Output prompt = null;
            DecoderStepper.Prompts p = null;
            if (!incoming.isEmpty()) {
                long admitted = System.nanoTime();
                p = DecoderStepper.Prompts.of(incoming, config.eosTokenId());
                prompt = stepper.promptPass(p, incoming, options);
                int batchSize = incoming.size() + unfinished();
                for (int r = 0; r < incoming.size(); r++) {
                    PreparedRequest.Generation req = incoming.get(r);
                    Row row = new Row(new RowState(req, tokenizer, config.eosTokenId()), samplerOf(req), admitted);
                    row.cached = req.promptIds().length;
                    fresh.add(row);
                    prompt.row(r, 0, logits);
                    accept(row, batchSize);
                }
            }
            if (rows.stream().allMatch(Row::finished) && (p == null || p.gapFree())) {
                // nothing running: the prompt pass's cache is the batch's, as it is (no copy)
                closeCache();
                cache = prompt;
                length = p == null ? 0 : p.total();
                rows = fresh;
                return;
            }
            List<KvCacheMerge.Source> sources = new ArrayList<>();
            List<Row> kept = new ArrayList<>();
            for (int r = 0; r < rows.size(); r++) {
                if (!rows.get(r).finished()) {
                    sources.add(KvCacheMerge.Source.of(cache, length, r, rows.get(r).cached));
                    kept.add(rows.get(r));
                }
            }
            for (int r = 0; r < fresh.size(); r++) {
                if (!fresh.get(r).finished()) {
                    sources.add(p.source(prompt, r));
                    kept.add(fresh.get(r));
                }
            }
            try {
                KvCacheMerge.Merged merged = KvCacheMerge.merge(decoder, sources, buffers);
                closeCache();
                cache = merged;
                length = merged.length();
                rows = kept;
            } finally {
                if (prompt != null) {
                    prompt.close();
                }
            }
        }

        /** One token for every row of the cache (finished rows are fed EOS until the next merge drops them). */
        private void step() throws OrtException {
            int b = rows.size();
            long[] ids = new long[b];
            long[] positions = new long[b];
            long[] mask = new long[b * (length + 1)];
            for (int r = 0; r < b; r++) {
                Row row = rows.get(r);
                ids[r] = row.finished() ? config.eosTokenId() : row.next;
                positions[r] = row.cached;
                Arrays.fill(mask, r * (length + 1) + length - row.cached, (r + 1) * (length + 1), 1L);
            }
            DecoderStepper.Output output =
                    stepper.run(ids, mask, positions, b, 1, length + 1, cache, new int[] {0}, options);
            closeCache();
            cache = output;
            length++;
            for (int r = 0; r < b; r++) {
                Row row = rows.get(r);
                row.cached++;
                if (!row.finished()) {
                    output.row(r, 0, logits);
                    accept(row, b);
                }
            }
        }

        /** Samples the row's next token from {@link #logits}; completes the row if that ends it. */
        private void accept(Row row, int batchSize) {
            int token = row.sampler.sample(logits);
            row.state.accept(token);
            row.next = token;
            if (row.finished()) {
                feed.complete(
                        row.state.request(), row.state.result(System.nanoTime() - row.startNanos, batchSize, name()));
            }
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
        List<PreparedRequest> rows = new ArrayList<>();
        for (int i = 0; i < maxBatchSize; i++) {
            rows.add(PreparedRequest.Generation.warmUp(i, params));
        }
        Iterator<PreparedRequest> next = rows.iterator();
        run(List.of(next.next()), new RowFeed() {
            @Override
            public List<PreparedRequest> admit(int running, long stepNanos, Predicate<PreparedRequest> joinable) {
                return next.hasNext() ? List.of(next.next()) : List.of();
            }

            @Override
            public void complete(PreparedRequest request, EngineResult result) {}
        });
    }

    @Override
    public void terminate() {
        control.terminate();
    }

    @Override
    public void close() {
        terminate();
        decoder.close();
    }
}
