package dev.gptjt.tasks.cascade;

import com.oracle.labs.mlrg.olcut.provenance.ConfiguredObjectProvenance;
import com.oracle.labs.mlrg.olcut.provenance.impl.ConfiguredObjectProvenanceImpl;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.tribuo.Feature;
import org.tribuo.data.text.TextPipeline;
import org.tribuo.data.text.impl.TokenPipeline;
import org.tribuo.util.tokens.impl.BreakIteratorTokenizer;

/**
 * The cascade's features, cheap enough to compute for every record on a stream thread: Tribuo's word
 * n-gram pipeline ({@link TokenPipeline}, hashed) over the lower-cased text, plus character n-grams of
 * each word (with {@code <} and {@code >} marking its ends, so prefixes and suffixes count apart from
 * inner letters), hashed into the same number of buckets. Every feature has value 1 (present), so a
 * long text does not outweigh a short one by length alone.
 */
final class HashedTextPipeline implements TextPipeline {
    private final CascadeFeatures settings;
    private final TokenPipeline words;

    HashedTextPipeline(CascadeFeatures settings) {
        this.settings = settings;
        this.words = new TokenPipeline(
                new BreakIteratorTokenizer(Locale.ROOT), settings.wordNgrams(), false, settings.dimension());
    }

    @Override
    public List<Feature> process(String tag, String input) {
        String text = input.toLowerCase(Locale.ROOT);
        Map<String, Double> present = new TreeMap<>();
        for (Feature f : words.process(tag, text)) {
            present.put(f.getName(), 1.0);
        }
        for (String word : text.split("\\s+")) {
            if (word.isEmpty()) {
                continue;
            }
            int[] cps = ("<" + word + ">").codePoints().toArray();
            for (int n = settings.charMin(); n <= settings.charMax(); n++) {
                for (int i = 0; i + n <= cps.length; i++) {
                    String gram = new String(cps, i, n);
                    present.put(tag + "-C=" + bucket(gram), 1.0);
                }
            }
        }
        List<Feature> out = new ArrayList<>(present.size());
        present.forEach((name, value) -> out.add(new Feature(name, value)));
        return out;
    }

    /** FNV-1a over the UTF-8 bytes: the same bucket on every JVM and platform (training and serving). */
    private int bucket(String gram) {
        int h = 0x811c9dc5;
        for (byte b : gram.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * 0x01000193;
        }
        return Integer.remainderUnsigned(h, settings.dimension());
    }

    @Override
    public ConfiguredObjectProvenance getProvenance() {
        return new ConfiguredObjectProvenanceImpl(this, "TextPipeline");
    }

    @Override
    public String toString() {
        return "HashedTextPipeline" + settings;
    }
}
