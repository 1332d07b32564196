package dev.netseal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.Map;

/**
 * JSON for the tests (the golden vectors, the CLI's output), read with Jackson: objects become
 * maps, arrays lists, integers {@link Long}s, other numbers {@link java.math.BigDecimal}s. Strict:
 * it rejects what the CLI must never print (trailing commas, bare words, trailing garbage).
 */
public final class TestJson {
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.USE_LONG_FOR_INTS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private TestJson() {}

    /** Parses one JSON value that must fill {@code text} (surrounding whitespace allowed). */
    public static Object parse(String text) {
        try {
            return JSON.readValue(text, Object.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** Parses an object. */
    @SuppressWarnings("unchecked") // a JSON object reads as a map of strings to values
    public static Map<String, Object> object(String text) {
        Object v = parse(text);
        if (!(v instanceof Map)) {
            throw new IllegalArgumentException("not an object: " + text);
        }
        return (Map<String, Object>) v;
    }
}
