package dev.softmaxengine.models.io;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class JsonTest {

    @Test
    void valuesRoundTrip() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", "tab\there \"quoted\" \\ \u0001 é");
        m.put("i", 42L);
        m.put("neg", -7L);
        m.put("d", 0.1);
        m.put("tiny", 4.9e-324);
        m.put("b", true);
        m.put("n", null);
        m.put("list", Arrays.asList(1L, "two", List.of(3.5), Map.of()));
        String text = Json.write(m);
        assertEquals(m, Json.parse(text));
        assertEquals(m, Json.parse(" \n" + text + "\t "));
        assertEquals(1.0, Json.parse("1.0"));
        assertEquals(1e21, Json.parse("1e21"));
        assertEquals(1e20, Json.parse("100000000000000000000"), "integers beyond long become doubles");
        assertEquals("\u00e9/", Json.parse("\"\\u00e9\\/\""));
    }

    @Test
    void malformedTextIsRejectedWithTheOffset() {
        assertEquals("JSON at offset 6: expected ',' or '}', found ']'",
                assertThrows(IllegalArgumentException.class, () -> Json.parse("{\"a\":1]")).getMessage());
        for (String bad : List.of("", "{", "[1,]", "01", "1.", "-", "\"abc", "tru", "{\"a\":1,\"a\":2}", "[1] x", "\"a\nb\"", "{1:2}", "NaN")) {
            assertThrows(IllegalArgumentException.class, () -> Json.parse(bad), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> Json.parse("[".repeat(100) + "]".repeat(100)));
    }

    @Test
    void unwritableValuesAreRejected() {
        assertEquals("JSON cannot hold the number NaN",
                assertThrows(IllegalArgumentException.class, () -> Json.write(Double.NaN)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Json.write(new Object()));
        assertThrows(IllegalArgumentException.class, () -> Json.write(Map.of(1, 2)));
    }
}
