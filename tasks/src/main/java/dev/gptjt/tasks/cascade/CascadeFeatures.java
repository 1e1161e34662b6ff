package dev.gptjt.tasks.cascade;

import org.tribuo.Example;
import org.tribuo.classification.Label;
import org.tribuo.data.text.impl.TextFeatureExtractorImpl;

/**
 * How the cascade turns a text into features; written beside the model so that serving computes
 * exactly what training did.
 *
 * @param wordNgrams longest word n-gram (1: words only)
 * @param charMin    shortest character n-gram within a word
 * @param charMax    longest character n-gram within a word
 * @param dimension  hash buckets for each kind of n-gram
 */
public record CascadeFeatures(int wordNgrams, int charMin, int charMax, int dimension) {
    public static final CascadeFeatures DEFAULTS = new CascadeFeatures(2, 2, 4, 1 << 18);

    public CascadeFeatures {
        if (wordNgrams < 1 || charMin < 1 || charMax < charMin || dimension < 16) {
            throw new IllegalArgumentException("cascade features: word n-grams >= 1, 1 <= char-min <= char-max,"
                    + " dimension >= 16; got " + this);
        }
    }

    /** A Tribuo extractor that makes an example of a text, labelled {@code label} (a placeholder when scoring). */
    TextFeatureExtractorImpl<Label> extractor() {
        return new TextFeatureExtractorImpl<>(new HashedTextPipeline(this));
    }

    /** The example of {@code text}. */
    Example<Label> example(TextFeatureExtractorImpl<Label> extractor, String text, Label label) {
        return extractor.extract(label, text);
    }
}
