package dev.gptjt.engine.tokenizer;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gptjt.engine.EngineException;
import dev.gptjt.engine.ErrorCode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GPT-2 byte-level BPE, as Hugging Face {@code tokenizers} runs it for GPT-J: the GPT-2
 * pre-tokenizer regex (no prefix space), byte-to-character mapping, then merges applied in
 * {@code merges.txt} order. Special-token strings are never parsed: {@code <|endoftext|>} in user
 * text is encoded as the ordinary characters it is made of.
 *
 * <p>Thread-safe; words already seen are cached.
 */
public final class Gpt2Tokenizer {
    /** GPT-2's pre-tokenizer; {@code \s} must be Unicode-aware, as in the reference (Oniguruma) regex. */
    private static final Pattern PRE_TOKENIZER = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS);
    /**
     * Words cached at most; when full the cache starts over, so memory stays bounded however many
     * distinct words (ids, numbers, hashtags) a stream carries. A soak run showed a 100 000-entry cache
     * as steady heap growth.
     */
    private static final int CACHE_LIMIT = 8_192;

    private final Map<String, Integer> vocab;
    private final String[] idToToken;
    private final byte[][] tokenBytes; // per id, made on first use
    private final Map<String, Integer> mergeRanks;
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();
    private final int maxTokenBytes;

    private Gpt2Tokenizer(Map<String, Integer> vocab, Map<String, Integer> mergeRanks) {
        this.vocab = vocab;
        this.mergeRanks = mergeRanks;
        int maxId = vocab.values().stream().mapToInt(Integer::intValue).max().orElse(-1);
        this.idToToken = new String[maxId + 1];
        vocab.forEach((token, id) -> idToToken[id] = token);
        this.tokenBytes = new byte[maxId + 1][];
        this.maxTokenBytes =
                vocab.keySet().stream().mapToInt(String::length).max().orElse(1);
    }

    /**
     * The most bytes one token stands for (a byte-level token has one character per byte): a text
     * of n characters encodes to at least {@code n / maxTokenBytes()} tokens, which bounds a prompt's
     * length before paying for its encoding.
     */
    public int maxTokenBytes() {
        return maxTokenBytes;
    }

    /**
     * Loads {@code vocab.json} and {@code merges.txt}.
     *
     * @throws EngineException {@link ErrorCode#MODEL_INVALID} when a file is unreadable or malformed,
     *     or a merge produces a token the vocabulary lacks
     */
    public static Gpt2Tokenizer load(Path vocabFile, Path mergesFile) {
        Map<String, Integer> vocab;
        try {
            vocab = new ObjectMapper().readValue(vocabFile.toFile(), new TypeReference<HashMap<String, Integer>>() {});
        } catch (IOException e) {
            throw new EngineException(
                    ErrorCode.MODEL_INVALID, vocabFile + ": cannot read vocabulary: " + e.getMessage(), e);
        }
        for (int b = 0; b < 256; b++) {
            String c = ByteLevel.encode(new byte[] {(byte) b});
            if (!vocab.containsKey(c)) {
                throw new EngineException(
                        ErrorCode.MODEL_INVALID, vocabFile + ": byte-level token for byte " + b + " is missing");
            }
        }
        Map<String, Integer> ranks = new HashMap<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(mergesFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new EngineException(
                    ErrorCode.MODEL_INVALID, mergesFile + ": cannot read merges: " + e.getMessage(), e);
        }
        int rank = 0;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isEmpty() || (i == 0 && line.startsWith("#version"))) {
                continue;
            }
            int space = line.indexOf(' ');
            if (space <= 0 || space == line.length() - 1 || line.indexOf(' ', space + 1) >= 0) {
                throw new EngineException(
                        ErrorCode.MODEL_INVALID, mergesFile + ": line " + (i + 1) + " is not 'left right'");
            }
            String merged = line.substring(0, space) + line.substring(space + 1);
            if (!vocab.containsKey(merged)) {
                throw new EngineException(
                        ErrorCode.MODEL_INVALID,
                        mergesFile + ": line " + (i + 1) + " merges into '" + merged + "', which "
                                + vocabFile.getFileName() + " lacks");
            }
            ranks.putIfAbsent(line, rank++);
        }
        return new Gpt2Tokenizer(vocab, ranks);
    }

    /** Encodes text as ordinary text (special-token strings are not recognised). */
    public int[] encode(String text) {
        return encodeWords(words(text));
    }

    /** The pre-tokenizer's words of {@code text}, in order. */
    private static List<String> words(String text) {
        List<String> words = new ArrayList<>();
        Matcher m = PRE_TOKENIZER.matcher(text);
        while (m.find()) {
            words.add(m.group());
        }
        return words;
    }

    private int[] encodeWords(List<String> words) {
        List<int[]> pieces = new ArrayList<>(words.size());
        int total = 0;
        for (String word : words) {
            int[] ids = encodeWord(word);
            pieces.add(ids);
            total += ids.length;
        }
        int[] out = new int[total];
        int at = 0;
        for (int[] p : pieces) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    /**
     * The tokens of {@code text} that no text appended after it can change: those of every
     * pre-tokenized word but the last. BPE merges never cross the pre-tokenizer's word boundaries, and
     * appending text can only change the last word (letters extend it, a trailing space joins the next
     * word, a quote becomes a contraction), so {@code encode(text + anything)} starts with these tokens.
     * Empty when the text is at most one word.
     */
    public int[] encodeFixedPrefix(String text) {
        List<String> words = words(text);
        return words.isEmpty() ? new int[0] : encodeWords(words.subList(0, words.size() - 1));
    }

    /** The last pre-tokenized word of {@code text} (the piece BPE merges within), or "" for an empty text. */
    public String lastWord(String text) {
        List<String> words = words(text);
        return words.isEmpty() ? "" : words.get(words.size() - 1);
    }

    /**
     * Whether appending {@code next} to {@code text} changes how {@code text}'s last pre-tokenized word is cut (letters
     * extend it, a space before a word joins that word, a quote becomes a contraction): then BPE may merge that word's
     * tokens differently, and only the tokens before it are fixed. False for an empty {@code text}.
     */
    public boolean changesLastWord(String text, String next) {
        List<String> before = words(text);
        List<String> after = words(text + next);
        return !before.isEmpty()
                && !(after.size() > before.size()
                        && after.subList(0, before.size()).equals(before));
    }

    private int[] encodeWord(String word) {
        int[] cached = cache.get(word);
        if (cached != null) {
            return cached;
        }
        String chars = ByteLevel.encode(word.getBytes(StandardCharsets.UTF_8));
        List<String> symbols = new ArrayList<>(chars.length());
        for (int i = 0; i < chars.length(); i++) {
            symbols.add(String.valueOf(chars.charAt(i)));
        }
        // Classic GPT-2 loop: merge every occurrence of the lowest-ranked adjacent pair until none is left.
        while (symbols.size() > 1) {
            int bestRank = Integer.MAX_VALUE;
            String bestLeft = null;
            String bestRight = null;
            for (int i = 0; i + 1 < symbols.size(); i++) {
                Integer r = mergeRanks.get(symbols.get(i) + ' ' + symbols.get(i + 1));
                if (r != null && r < bestRank) {
                    bestRank = r;
                    bestLeft = symbols.get(i);
                    bestRight = symbols.get(i + 1);
                }
            }
            if (bestLeft == null) {
                break;
            }
            List<String> merged = new ArrayList<>(symbols.size());
            for (int i = 0; i < symbols.size(); i++) {
                if (i + 1 < symbols.size()
                        && symbols.get(i).equals(bestLeft)
                        && symbols.get(i + 1).equals(bestRight)) {
                    merged.add(bestLeft + bestRight);
                    i++;
                } else {
                    merged.add(symbols.get(i));
                }
            }
            symbols = merged;
        }
        int[] ids = new int[symbols.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = vocab.get(symbols.get(i));
        }
        if (cache.size() >= CACHE_LIMIT) {
            cache.clear();
        }
        cache.put(word, ids);
        return ids;
    }

    /**
     * Decodes ids to text. Ids outside the vocabulary (GPT-J's unused 50257–50399) decode to nothing;
     * invalid UTF-8 (a multi-byte character cut between tokens) becomes U+FFFD, as in Hugging Face.
     */
    public String decode(int[] ids) {
        return decode(ids, 0, ids.length);
    }

    /** Decodes {@code ids[from, to)}; see {@link #decode(int[])}. */
    public String decode(int[] ids, int from, int to) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = from; i < to; i++) {
            byte[] token = tokenBytes(ids[i]);
            if (token != null) {
                bytes.writeBytes(token);
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /**
     * The bytes token {@code id} writes, its byte-level characters undone; {@code null} for an id outside the
     * vocabulary (GPT-J's unused 50257–50399). {@code <|endoftext|>} is the 13 bytes of its name here: callers
     * that treat it as end-of-sequence leave it out themselves. Made once per token and shared: read it, never
     * change it (constrained rows and stop sequences ask at every step).
     */
    public byte[] tokenBytes(int id) {
        if (id < 0 || id >= idToToken.length || idToToken[id] == null) {
            return null;
        }
        byte[] bytes = tokenBytes[id];
        if (bytes == null) { // a race makes the same bytes twice, harmlessly
            bytes = bytesOf(idToToken[id]);
            tokenBytes[id] = bytes;
        }
        return bytes;
    }

    private static byte[] bytesOf(String token) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(token.length());
        for (int k = 0; k < token.length(); k++) {
            int b = ByteLevel.decode(token.charAt(k));
            if (b >= 0) {
                bytes.write(b);
            } else {
                // an added token written as plain text (<|endoftext|> uses only byte-level chars; others may not)
                bytes.writeBytes(String.valueOf(token.charAt(k)).getBytes(StandardCharsets.UTF_8));
            }
        }
        return bytes.toByteArray();
    }

    /** Number of entries in {@code vocab.json}. */
    public int vocabSize() {
        return vocab.size();
    }
}
