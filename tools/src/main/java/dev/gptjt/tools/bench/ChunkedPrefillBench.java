package dev.gptjt.tools.bench;

import dev.gptjt.engine.EngineConfig;
import dev.gptjt.engine.EngineListener;
import dev.gptjt.engine.EngineResult;
import dev.gptjt.engine.GenerationParams;
import dev.gptjt.engine.GenerationRequest;
import dev.gptjt.engine.GenerationResult;
import dev.gptjt.engine.InferenceEngine;
import dev.gptjt.engine.Lane;
import dev.gptjt.engine.StepStats;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * A long prompt joining rows that are decoding: what the rows see while its prompt pass runs. Each step gives every
 * decoding row one token, so a step's time is their inter-token gap. Run once with the prompt in chunks under
 * {@code max-step-tokens} and once whole (a budget above the prompt), the same requests, engine opened anew each time.
 */
public final class ChunkedPrefillBench {
    /** What one run saw. */
    public record Run(
            int maxStepTokens,
            double decodeOnlyP50Ms,
            double gapP50Ms,
            double gapP99Ms,
            double gapMaxMs,
            int stepsWithPrompt,
            int[] longOutput) {}

    /** Both runs, and whether the long prompt's tokens agree. */
    public record Result(Run chunked, Run whole, boolean sameTokens) {}

    private ChunkedPrefillBench() {}

    /**
     * @param base          the engine's configuration (batch size must hold {@code decoding} + 1 rows)
     * @param promptTokens  the long prompt's length
     * @param decoding      rows decoding when it joins
     * @param maxStepTokens the chunked run's budget
     */
    public static Result run(EngineConfig base, int promptTokens, int decoding, int maxStepTokens) {
        Run chunked = once(base.toBuilder().maxStepTokens(maxStepTokens).build(), promptTokens, decoding);
        Run whole = once(
                base.toBuilder()
                        .maxStepTokens(Math.max(promptTokens + decoding + 2, base.maxBatchSize() + 1))
                        .build(),
                promptTokens,
                decoding);
        return new Result(chunked, whole, Arrays.equals(chunked.longOutput(), whole.longOutput()));
    }

    private static Run once(EngineConfig config, int promptTokens, int decoding) {
        List<Long> before = new CopyOnWriteArrayList<>();
        List<Long> during = new CopyOnWriteArrayList<>();
        AtomicBoolean joined = new AtomicBoolean();
        AtomicBoolean started = new AtomicBoolean();
        AtomicBoolean prefilled = new AtomicBoolean();
        int[] promptSteps = new int[1];
        EngineListener listener = new EngineListener() {
            @Override
            public void onStep(StepStats step) {
                if (!joined.get()) {
                    before.add(step.nanos());
                } else if (started.get() && !prefilled.get()) {
                    during.add(step.nanos());
                    if (step.promptTokens() > 0) {
                        promptSteps[0]++;
                    } else {
                        prefilled.set(true); // the first step without prompt tokens: the long prompt decodes
                    }
                }
            }

            @Override
            public void onStarted(Lane lane, long queuedNanos) {
                if (joined.get()) {
                    started.set(true); // the long prompt's first pass is in this step
                }
            }

            @Override
            public void onFinished(Lane lane, EngineResult result) {}
        };
        try (InferenceEngine engine = InferenceEngine.open(config, listener)) {
            engine.warmUp();
            GenerationParams rows = GenerationParams.DEFAULTS
                    .withMaxNewTokens(config.maxNewTokensCap())
                    .withIgnoreEos(true);
            List<CompletableFuture<GenerationResult>> decodingRows = new ArrayList<>();
            for (int i = 0; i < decoding; i++) {
                decodingRows.add(engine.submit(new GenerationRequest("row-" + i, "Row " + i + " says", rows)));
            }
            while (before.size() < 20) { // every row decoding, the steps' pace settled
                LockSupport.parkNanos(1_000_000); // not a spin: the host's cores are the model's
            }
            before.clear();
            while (before.size() < 20) {
                LockSupport.parkNanos(1_000_000); // not a spin: the host's cores are the model's
            }
            joined.set(true);
            int[] ids = new int[promptTokens];
            Arrays.fill(ids, 464); // " The", repeated: any ids do for timing
            String prompt = engine.tokenizer().decode(ids);
            GenerationResult longOne = engine.submit(new GenerationRequest(
                            "long",
                            prompt,
                            GenerationParams.DEFAULTS.withMaxNewTokens(8).withIgnoreEos(true)))
                    .join();
            decodingRows.forEach(f -> f.cancel(false));
            double[] gaps = during.stream().mapToDouble(n -> n / 1e6).sorted().toArray();
            double[] decodeOnly =
                    before.stream().mapToDouble(n -> n / 1e6).sorted().toArray();
            return new Run(
                    config.maxStepTokens(),
                    percentile(decodeOnly, 0.5),
                    percentile(gaps, 0.5),
                    percentile(gaps, 0.99),
                    gaps.length == 0 ? 0 : gaps[gaps.length - 1],
                    promptSteps[0],
                    longOne.outputIds());
        }
    }

    /** The nearest-rank percentile of sorted values; 0 for none. */
    static double percentile(double[] sorted, double q) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }
}
