package dev.gptjt.stream.runtime;

import dev.gptjt.stream.config.GptjtConfig;
import dev.gptjt.stream.config.Tasks;
import dev.gptjt.stream.topology.TaskCascades;
import dev.gptjt.tasks.TaskSettings;
import dev.gptjt.tasks.cascade.CascadeCard;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

/** The tasks' cascades ({@code gptjt.tasks.NAME.cascade.*}), loaded and checked against their tasks at start. */
@ApplicationScoped
public class CascadeProducer {
    private static final Logger LOG = Logger.getLogger(CascadeProducer.class);

    /** A singleton, not a lazy proxy: a cascade that does not load must stop the service at start, not at its first record. */
    @Produces
    @Singleton
    TaskCascades cascades(GptjtConfig config) {
        TaskCascades cascades = TaskCascades.open(Tasks.fromConfig(config), TaskSettings.cascades(config.tasks()));
        cascades.all().forEach((task, c) -> {
            CascadeCard card = c.model().card();
            LOG.infof(
                    "task %s: cascade %s answers records it is %.0f%% sure of (audits %.0f%%); distilled %s from %d examples",
                    task,
                    c.model().name(),
                    100 * c.settings().minProbability(),
                    100 * c.settings().auditFraction(),
                    card.createdAt(),
                    card.trainingExamples());
        });
        return cascades;
    }

    void close(@Disposes TaskCascades cascades) {
        cascades.close();
    }
}
