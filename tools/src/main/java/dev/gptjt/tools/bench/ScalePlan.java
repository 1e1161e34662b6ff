package dev.gptjt.tools.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * The scale-out run's steps: instance counts in order ({@code 1,2,3,2,1}), each step the instances that join
 * (started) or leave (stopped gracefully, the youngest first) to get from the count before to its own.
 */
public record ScalePlan(List<Step> steps) {
    /** Step {@code index} (from 1) goes from {@code from} instances to {@code to}. */
    public record Step(int index, int from, int to) {
        public int joining() {
            return Math.max(0, to - from);
        }

        public int leaving() {
            return Math.max(0, from - to);
        }

        /** {@code 1 → 2 (+1)}. */
        public String label() {
            return from + " → " + to + (to > from ? " (+" + joining() + ")" : to < from ? " (−" + leaving() + ")" : "");
        }
    }

    /**
     * The plan of {@code counts}.
     *
     * @param most the most instances a step may ask for (more than the prompts topic's partitions would sit idle)
     * @throws IllegalArgumentException naming what is wrong: no counts, a count below 1 or above {@code most}
     */
    public static ScalePlan of(List<Integer> counts, int most) {
        if (counts == null || counts.isEmpty()) {
            throw new IllegalArgumentException("needs at least one instance count, e.g. 1,2,3,2,1");
        }
        List<Step> steps = new ArrayList<>();
        int from = 0;
        for (int to : counts) {
            if (to < 1 || to > most) {
                throw new IllegalArgumentException(
                        "an instance count is from 1 to " + most + " (the prompts topic's partitions); got " + to);
            }
            steps.add(new Step(steps.size() + 1, from, to));
            from = to;
        }
        return new ScalePlan(List.copyOf(steps));
    }
}
