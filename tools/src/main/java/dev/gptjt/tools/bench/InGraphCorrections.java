package dev.gptjt.tools.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gptjt.engine.GenerationResult;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * {@code bench task}'s figures for a constrained path decoded in-graph by guessing and checking, from the engine's
 * results of one run over the inputs: how many answers are the Java loop's (the same text; the same tokens and finish
 * reason too), the corrections and operator runs per answer that ended in-graph, and the answers handed back to the
 * Java loop (more corrections than the engine's bound).
 *
 * @param answers           answers compared (results that both paths gave; a refusal has none)
 * @param sameText          of {@code answers}, those whose text is the reference's
 * @param sameTokens        of {@code answers}, those whose token ids and finish reason are the reference's too
 * @param inGraph           answers that ended in-graph (not handed back)
 * @param corrections       corrections of the answers that ended in-graph, all together
 * @param withoutCorrection of {@code inGraph}, those that needed none
 * @param runs              operator calls of the answers that ended in-graph, all together
 * @param handedBack        answers handed back to the Java loop, which decoded them from their prompts
 */
public record InGraphCorrections(
        int answers,
        int sameText,
        int sameTokens,
        int inGraph,
        int corrections,
        int withoutCorrection,
        int runs,
        int handedBack) {
    /**
     * The Java loop's backend name: a handed-back row's result carries it (a row that ended in-graph carries the
     * greedy graph's).
     */
    static final String JAVA_LOOP = "ort-java-loop";

    /**
     * The figures of {@code inGraph}'s results against {@code reference}'s (the same inputs in the same order; null
     * where a path refused an input).
     */
    public static InGraphCorrections of(List<GenerationResult> inGraph, List<GenerationResult> reference) {
        if (inGraph.size() != reference.size()) {
            throw new IllegalArgumentException(inGraph.size() + " results against " + reference.size());
        }
        int answers = 0;
        int sameText = 0;
        int sameTokens = 0;
        int ended = 0;
        int corrections = 0;
        int without = 0;
        int runs = 0;
        int handedBack = 0;
        for (int i = 0; i < inGraph.size(); i++) {
            GenerationResult r = inGraph.get(i);
            GenerationResult ref = reference.get(i);
            if (r == null) {
                continue;
            }
            if (JAVA_LOOP.equals(r.backend())) {
                handedBack++;
            } else {
                ended++;
                corrections += r.corrections();
                without += r.corrections() == 0 ? 1 : 0;
                runs += r.inGraphRuns();
            }
            if (ref == null) {
                continue;
            }
            answers++;
            if (r.text().equals(ref.text())) {
                sameText++;
                if (Arrays.equals(r.outputIds(), ref.outputIds()) && r.finishReason() == ref.finishReason()) {
                    sameTokens++;
                }
            }
        }
        return new InGraphCorrections(answers, sameText, sameTokens, ended, corrections, without, runs, handedBack);
    }

    /** Corrections per answer that ended in-graph (0 when none did). */
    public double correctionsPerAnswer() {
        return inGraph == 0 ? 0 : (double) corrections / inGraph;
    }

    /** Operator calls per answer that ended in-graph (0 when none did). */
    public double runsPerAnswer() {
        return inGraph == 0 ? 0 : (double) runs / inGraph;
    }

    /** These figures as fields of the path's row in {@code --json}. */
    public ObjectNode putOn(ObjectNode row, String reference) {
        return row.put("identical_to", reference)
                .put("identical_answers", sameText)
                .put("identical_tokens", sameTokens)
                .put("answers_compared", answers)
                .put("answers_in_graph", inGraph)
                .put("corrections", corrections)
                .put("corrections_per_answer", correctionsPerAnswer())
                .put("answers_without_corrections", withoutCorrection)
                .put("runs_per_answer", runsPerAnswer())
                .put("handed_back", handedBack);
    }

    /** Two lines: the agreement with {@code reference}, then the corrections ({@code maxCorrections}: the bound). */
    public String lines(String path, String reference, int maxCorrections) {
        return String.format(
                Locale.ROOT,
                "%s vs %s: %d/%d identical answers (%d/%d the same tokens and finish reason)%n"
                        + "%s: %.2f corrections per answer, %d of %d answers without any, %.2f operator runs per"
                        + " answer (of the answers that ended in-graph); %d of %d handed back to the Java loop"
                        + " (more than %d corrections)%n",
                path,
                reference,
                sameText,
                answers,
                sameTokens,
                answers,
                path,
                correctionsPerAnswer(),
                withoutCorrection,
                inGraph,
                runsPerAnswer(),
                handedBack,
                inGraph + handedBack,
                maxCorrections);
    }
}
