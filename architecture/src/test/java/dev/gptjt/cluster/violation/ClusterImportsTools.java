package dev.gptjt.cluster.violation;

import dev.gptjt.tools.ToolException;

/** Breaks {@code Layering.CLUSTER_RUNS_PROCESSES_ONLY}: a cluster part that reports through the tools. */
public final class ClusterImportsTools {

    RuntimeException refuse(String why) {
        return new ToolException(why);
    }
}
