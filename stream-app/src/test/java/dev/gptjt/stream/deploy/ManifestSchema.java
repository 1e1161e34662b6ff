package dev.gptjt.stream.deploy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.monitoring.v1.PodMonitor;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Validates a manifest against the typed model of its kind: Kubernetes' and the Prometheus Operator's
 * (fabric8), KEDA's ({@link Keda}). fabric8's classes keep unknown fields in {@code additionalProperties}
 * rather than refusing them, so every object read is walked and any such field is a problem: a misspelled
 * field, or one at the wrong depth, is named with its path.
 */
final class ManifestSchema {
    /** Kinds a bare cluster has; anything else needs a CRD. */
    static final Set<String> BUILT_IN = Set.of(
            "v1/ConfigMap",
            "v1/Secret",
            "v1/Service",
            "v1/PersistentVolumeClaim",
            "v1/Pod",
            "apps/v1/Deployment",
            "policy/v1/PodDisruptionBudget",
            "networking.k8s.io/v1/NetworkPolicy");

    private static final Map<String, Class<?>> TYPES = Map.ofEntries(
            Map.entry("v1/ConfigMap", ConfigMap.class),
            Map.entry("v1/Secret", Secret.class),
            Map.entry("v1/Service", Service.class),
            Map.entry("v1/PersistentVolumeClaim", PersistentVolumeClaim.class),
            Map.entry("v1/Pod", Pod.class),
            Map.entry("apps/v1/Deployment", Deployment.class),
            Map.entry("policy/v1/PodDisruptionBudget", PodDisruptionBudget.class),
            Map.entry("networking.k8s.io/v1/NetworkPolicy", NetworkPolicy.class),
            Map.entry("monitoring.coreos.com/v1/PodMonitor", PodMonitor.class),
            Map.entry("keda.sh/v1alpha1/ScaledObject", Keda.ScaledObject.class),
            Map.entry("keda.sh/v1alpha1/TriggerAuthentication", Keda.TriggerAuthentication.class));

    private static final ObjectMapper JSON =
            new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private ManifestSchema() {}

    /** {@code apiVersion/kind} of a document. */
    static String kindOf(JsonNode doc) {
        return doc.path("apiVersion").asText() + "/" + doc.path("kind").asText();
    }

    /** Every problem of {@code doc}; empty when it is valid. */
    static List<String> problems(JsonNode doc) {
        String kind = kindOf(doc);
        Class<?> type = TYPES.get(kind);
        if (type == null) {
            return List.of(kind + ": not a kind this project deploys (" + TYPES.keySet() + ")");
        }
        Object typed;
        try {
            typed = JSON.treeToValue(doc, type);
        } catch (Exception e) {
            return List.of(kind + ": " + e.getMessage().lines().findFirst().orElse(""));
        }
        List<String> problems = new ArrayList<>();
        walk(typed, kind, problems);
        if (typed instanceof Keda.ScaledObject s && s.spec() != null && s.spec().triggers() != null) {
            for (Keda.Trigger t : s.spec().triggers()) {
                if ("kafka".equals(t.type()) && t.metadata() != null) {
                    t.metadata().keySet().stream()
                            .filter(k -> !Keda.KAFKA_METADATA.contains(k))
                            .forEach(k -> problems.add(kind + ".spec.triggers[kafka].metadata." + k + ": unknown"));
                }
            }
        }
        return problems;
    }

    /** Walks the typed object; an {@code additionalProperties} entry is a field the schema does not have. */
    private static void walk(Object o, String path, List<String> problems) {
        if (o == null || o instanceof String || o instanceof Number || o instanceof Boolean || o instanceof Enum) {
            return;
        }
        if (o instanceof JsonNode) {
            return; // a free-form field of the schema
        }
        if (o instanceof Map<?, ?> m) {
            m.forEach((k, v) -> walk(v, path + "." + k, problems));
            return;
        }
        if (o instanceof Collection<?> c) {
            int i = 0;
            for (Object item : c) {
                walk(item, path + "[" + i++ + "]", problems);
            }
            return;
        }
        Class<?> type = o.getClass();
        if (!type.getName().startsWith("io.fabric8.") && !type.getName().startsWith(Keda.class.getName())) {
            return;
        }
        for (Method m : type.getMethods()) {
            if (m.getParameterCount() != 0
                    || Modifier.isStatic(m.getModifiers())
                    || m.getDeclaringClass() == Object.class) {
                continue;
            }
            String name = m.getName();
            try {
                if (name.equals("getAdditionalProperties")) {
                    Map<?, ?> extra = (Map<?, ?>) m.invoke(o);
                    if (extra != null && !extra.isEmpty()) {
                        problems.add(path + ": unknown field(s) " + extra.keySet());
                    }
                } else if (type.isRecord() ? isComponent(type, name) : name.startsWith("get") && name.length() > 3) {
                    String field = type.isRecord() ? name : Character.toLowerCase(name.charAt(3)) + name.substring(4);
                    walk(m.invoke(o), path + "." + field, problems);
                }
            } catch (ReflectiveOperationException e) {
                problems.add(path + "." + name + ": " + e);
            }
        }
    }

    private static boolean isComponent(Class<?> record, String name) {
        for (var c : record.getRecordComponents()) {
            if (c.getName().equals(name)) {
                return true;
            }
        }
        return false;
    }
}
