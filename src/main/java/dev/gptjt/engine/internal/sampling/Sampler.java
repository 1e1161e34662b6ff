package dev.gptjt.engine.internal.sampling;

import dev.gptjt.engine.GenerationParams;
import java.util.SplittableRandom;

/** Picks the next token from one row's logits. */
@FunctionalInterface
public interface Sampler {

    /** @param logits the row's logits over the whole vocabulary; may be modified */
    int sample(float[] logits);

    /** The sampler the parameters ask for: greedy for {@code top_k} 1 (the card's default) or temperature 0. */
    static Sampler of(GenerationParams params) {
        if (params.greedy()) {
            return Sampler::argmax;
        }
        SplittableRandom random = params.seed() == null ? new SplittableRandom() : new SplittableRandom(params.seed());
        return new TopKTopPSampler(params.temperature(), params.topK(), params.topP(), random);
    }

    /** Index of the largest logit; the lowest index wins a tie, as {@code torch.argmax} does. */
    static int argmax(float[] logits) {
        int best = 0;
        float max = logits[0];
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > max) {
                max = logits[i];
                best = i;
            }
        }
        return best;
    }
}
