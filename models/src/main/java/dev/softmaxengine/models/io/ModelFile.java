package dev.softmaxengine.models.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * A saved model: a kind, JSON attributes and named numeric arrays, in one file that any model of
 * this project (and of {@code models.sequence}) can use.
 *
 * <h2>Format: safetensors</h2>
 * Written as <a href="https://github.com/huggingface/safetensors">safetensors</a>, so that Python
 * reads a model with no code of ours ({@code safetensors.numpy.load_file("m.smx")} gives the
 * arrays, {@code safe_open(...).metadata()} the rest):
 * <pre>
 * offset 0   uint64 LE header length N (a multiple of 8 with the prefix, padded with spaces)
 * offset 8   N bytes   UTF-8 JSON object:
 *            {"__metadata__": {"format": "softmax-engine", "kind": "softmax-regression",
 *                              "attributes": "{...JSON...}", "crc32c": "{\"weights\": 1234567890, ...}"},
 *             "weights": {"dtype": "F64", "shape": [10, 784], "data_offsets": [0, 62720]}, ...}
 * data       each array's elements, row-major, little-endian, back to back at "data_offsets"
 *            (relative to the start of the data section, end exclusive)
 * </pre>
 * dtypes: {@code F64}, {@code F32}, {@code I32}. Metadata values are strings, as safetensors
 * requires: the attributes and the arrays' CRC32C (of their bytes, checked on read) are JSON text.
 * {@code head -c 2000 model.smx} still shows what a model is.
 *
 * <h2>Format SMXMODEL, version 1 (read, no longer written)</h2>
 * <pre>
 * offset 0   8 bytes   ASCII "SMXMODEL"
 * offset 8   uint32 LE format version (1)
 * offset 12  uint32 LE header length H in bytes
 * offset 16  H bytes   UTF-8 JSON object:
 *            {"kind": "softmax-regression",
 *             "attributes": {...any JSON...},
 *             "arrays": {"weights": {"dtype": "float64", "shape": [10, 784], "offset": 0,
 *                                    "crc32c": 1234567890}, ...}}
 *            zero bytes up to the next multiple of 8 from the start of the file
 * data       each array's elements, row-major, little-endian, at "offset" bytes from the start of
 *            the data section; every offset is a multiple of 8
 * </pre>
 * {@code crc32c} may be absent (older files). In both formats arrays may not overlap: together they
 * are never larger than the file.
 */
public final class ModelFile {
    private static final byte[] MAGIC = "SMXMODEL".getBytes(StandardCharsets.US_ASCII);
    /** The SMXMODEL container version this class reads (it writes safetensors). */
    public static final int VERSION = 1;
    private static final int PREFIX = 16;
    /** safetensors' prefix: the header length as uint64 LE. */
    private static final int ST_PREFIX = 8;
    /** The safetensors metadata key, and the "format" value that marks a softmax-engine model. */
    private static final String METADATA = "__metadata__";
    private static final String FORMAT = "softmax-engine";
    /** Largest file {@link #read(Path)} takes: it is read into one byte array. */
    static final long MAX_FILE_BYTES = Integer.MAX_VALUE - 8;

    /** Element types of stored arrays. */
    public enum ArrayType {
        /** IEEE 754 binary64, 8 bytes little-endian. */
        FLOAT64("float64", "F64", 8),
        /** IEEE 754 binary32, 4 bytes little-endian. */
        FLOAT32("float32", "F32", 4),
        /** Two's-complement 32-bit integer, 4 bytes little-endian. */
        INT32("int32", "I32", 4);

        private final String jsonName;
        private final String safetensorsName;
        private final int bytes;

        ArrayType(String jsonName, String safetensorsName, int bytes) {
            this.jsonName = jsonName;
            this.safetensorsName = safetensorsName;
            this.bytes = bytes;
        }

        static ArrayType of(String name) {
            for (ArrayType t : values()) {
                if (t.jsonName.equals(name)) {
                    return t;
                }
            }
            return null;
        }

        static ArrayType ofSafetensors(String name) {
            for (ArrayType t : values()) {
                if (t.safetensorsName.equals(name)) {
                    return t;
                }
            }
            return null;
        }
    }

    private record Array(ArrayType type, long[] shape, Object data) {
        int length() {
            return switch (type) {
                case FLOAT64 -> ((double[]) data).length;
                case FLOAT32 -> ((float[]) data).length;
                case INT32 -> ((int[]) data).length;
            };
        }
    }

    private final String kind;
    private final Map<String, Object> attributes;
    private final Map<String, Array> arrays;

    private ModelFile(String kind, Map<String, Object> attributes, Map<String, Array> arrays) {
        this.kind = kind;
        this.attributes = Collections.unmodifiableMap(attributes);
        this.arrays = Collections.unmodifiableMap(arrays);
    }

    /**
     * Starts a model file of the given kind (e.g. {@code "softmax-regression"}).
     *
     * @param kind the model kind, checked by {@link #requireKind} when reading
     * @return an empty builder
     */
    public static Builder builder(String kind) {
        if (kind == null || kind.isBlank()) {
            throw new IllegalArgumentException("kind must be a non-blank string, was " + kind);
        }
        return new Builder(kind);
    }

    /** Collects attributes and arrays; the arrays are stored by reference until {@link #build}. */
    public static final class Builder {
        private final String kind;
        private final Map<String, Object> attributes = new LinkedHashMap<>();
        private final Map<String, Array> arrays = new LinkedHashMap<>();

        private Builder(String kind) {
            this.kind = kind;
        }

        /**
         * Adds (or replaces) an attribute, stored in the file's JSON header.
         *
         * @param name the attribute's name, not empty
         * @param value a JSON value: String, Number, Boolean, null, or Lists / Maps of them
         * @return this builder
         */
        public Builder attribute(String name, Object value) {
            requireName(name);
            Json.write(value); // rejects what JSON cannot hold, now rather than at write time
            attributes.put(name, value);
            return this;
        }

        /**
         * Adds (or replaces) a float64 array.
         *
         * @param name the array's name, not empty
         * @param data the elements in row-major order; kept, not copied, until written
         * @param shape dimensions, each at least 0, whose product is {@code data.length}
         * @return this builder
         * @throws IllegalArgumentException when {@code data} is null or does not match {@code shape}
         */
        public Builder doubles(String name, double[] data, long... shape) {
            return array(name, ArrayType.FLOAT64, data, data == null ? -1 : data.length, shape);
        }

        /**
         * Adds (or replaces) a float32 array.
         *
         * @param name the array's name, not empty
         * @param data the elements in row-major order; kept, not copied, until written
         * @param shape dimensions, each at least 0, whose product is {@code data.length}
         * @return this builder
         * @throws IllegalArgumentException when {@code data} is null or does not match {@code shape}
         */
        public Builder floats(String name, float[] data, long... shape) {
            return array(name, ArrayType.FLOAT32, data, data == null ? -1 : data.length, shape);
        }

        /**
         * Adds (or replaces) a int32 array.
         *
         * @param name the array's name, not empty
         * @param data the elements in row-major order; kept, not copied, until written
         * @param shape dimensions, each at least 0, whose product is {@code data.length}
         * @return this builder
         * @throws IllegalArgumentException when {@code data} is null or does not match {@code shape}
         */
        public Builder ints(String name, int[] data, long... shape) {
            return array(name, ArrayType.INT32, data, data == null ? -1 : data.length, shape);
        }

        private Builder array(String name, ArrayType type, Object data, int length, long[] shape) {
            requireName(name);
            if (data == null) {
                throw new IllegalArgumentException("array '" + name + "' must not be null");
            }
            long size = checkShape(name, shape);
            if (size != length) {
                throw new IllegalArgumentException("array '" + name + "' has " + length + " elements, shape "
                        + Arrays.toString(shape) + " needs " + size);
            }
            arrays.put(name, new Array(type, shape.clone(), data));
            return this;
        }

        private static void requireName(String name) {
            if (name == null || name.isEmpty()) {
                throw new IllegalArgumentException("name must be a non-empty string, was " + name);
            }
        }

        /**
         * The model file with every attribute and array added so far.
         *
         * @return a new file; later additions to this builder do not change it
         */
        public ModelFile build() {
            return new ModelFile(kind, new LinkedHashMap<>(attributes), new LinkedHashMap<>(arrays));
        }
    }

    private static long checkShape(String name, long[] shape) {
        if (shape == null) {
            throw new IllegalArgumentException("array '" + name + "' needs a shape");
        }
        long size = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("array '" + name + "' shape " + Arrays.toString(shape) + " has a negative dimension");
            }
            size = Math.multiplyExact(size, d);
            if (size > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("array '" + name + "' shape " + Arrays.toString(shape) + " exceeds one Java array");
            }
        }
        return size;
    }

    /**
     * The model kind the file declares.
     *
     * @return e.g. {@code softmax-regression}; not null
     */
    public String kind() {
        return kind;
    }

    /**
     * Throws unless this file holds a model of {@code expected} kind.
     *
     * @param expected the kind the caller reads
     * @return this file
     * @throws IllegalArgumentException naming both kinds when they differ
     */
    public ModelFile requireKind(String expected) {
        if (!kind.equals(expected)) {
            throw new IllegalArgumentException("model file holds a " + kind + " model, expected " + expected);
        }
        return this;
    }

    /**
     * This file with attribute {@code name} added or replaced (the arrays are shared, not copied).
     *
     * @param name the attribute's name
     * @param value a JSON value, as for {@link Builder#attribute}
     * @return a new file; this one is unchanged
     */
    public ModelFile withAttribute(String name, Object value) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("name must be a non-empty string, was " + name);
        }
        Json.write(value); // rejects what JSON cannot hold
        Map<String, Object> a = new LinkedHashMap<>(attributes);
        a.put(name, value);
        return new ModelFile(kind, a, new LinkedHashMap<>(arrays));
    }

    /**
     * Every attribute of the JSON header.
     *
     * @return an unmodifiable map from name to JSON value, in file order
     */
    public Map<String, Object> attributes() {
        return attributes;
    }

    /**
     * A string attribute.
     *
     * @param name the attribute's name
     * @return its value
     * @throws IllegalArgumentException when it is missing or not a string
     */
    public String string(String name) {
        return attribute(name, String.class);
    }

    /**
     * A numeric attribute as a double.
     *
     * @param name the attribute's name
     * @return its value
     * @throws IllegalArgumentException when it is missing or not a number
     */
    public double number(String name) {
        return attribute(name, Number.class).doubleValue();
    }

    /**
     * An integral numeric attribute.
     *
     * @param name the attribute's name
     * @return its value
     * @throws IllegalArgumentException when it is missing, not a number or not integral
     */
    public long integer(String name) {
        Object v = attributes.get(name);
        if (!(v instanceof Long l)) {
            throw new IllegalArgumentException("attribute '" + name + "' must be an integer, was " + v);
        }
        return l;
    }

    /**
     * A list-of-strings attribute (class names, vocabularies).
     *
     * @param name the attribute's name
     * @return an unmodifiable copy of the list
     * @throws IllegalArgumentException when it is missing or holds anything but strings
     */
    public List<String> strings(String name) {
        List<?> list = attribute(name, List.class);
        List<String> out = new ArrayList<>(list.size());
        for (Object o : list) {
            if (!(o instanceof String str)) {
                throw new IllegalArgumentException("attribute '" + name + "' must hold strings only, had " + o);
            }
            out.add(str);
        }
        return List.copyOf(out);
    }

    private <T> T attribute(String name, Class<T> type) {
        Object v = attributes.get(name);
        if (!type.isInstance(v)) {
            throw new IllegalArgumentException("attribute '" + name + "' must be a " + type.getSimpleName()
                    + ", was " + (v == null ? "missing" : v));
        }
        return type.cast(v);
    }

    /**
     * Whether the file holds an array of that name.
     *
     * @param name the array's name
     * @return true when {@link #shape} and the typed getters will find it
     */
    public boolean hasArray(String name) {
        return arrays.containsKey(name);
    }

    /**
     * The dimensions of an array.
     *
     * @param name the array's name
     * @return a copy of its shape
     * @throws IllegalArgumentException when there is no such array
     */
    public long[] shape(String name) {
        return array(name, null).shape().clone();
    }

    /**
     * A float64 array, as stored: the caller must not modify it.
     *
     * @param name the array's name
     * @return the array's elements in row-major order
     * @throws IllegalArgumentException when there is no array {@code name} or it is not float64
     */
    public double[] doubles(String name) {
        return (double[]) array(name, ArrayType.FLOAT64).data();
    }

    /**
     * A float32 array, as stored: the caller must not modify it.
     *
     * @param name the array's name
     * @return the array's elements in row-major order
     * @throws IllegalArgumentException when there is no array {@code name} or it is not float32
     */
    public float[] floats(String name) {
        return (float[]) array(name, ArrayType.FLOAT32).data();
    }

    /**
     * A int32 array, as stored: the caller must not modify it.
     *
     * @param name the array's name
     * @return the array's elements in row-major order
     * @throws IllegalArgumentException when there is no array {@code name} or it is not int32
     */
    public int[] ints(String name) {
        return (int[]) array(name, ArrayType.INT32).data();
    }

    private Array array(String name, ArrayType type) {
        Array a = arrays.get(name);
        if (a == null) {
            throw new IllegalArgumentException("model file has no array '" + name + "'; it has " + arrays.keySet());
        }
        if (type != null && a.type() != type) {
            throw new IllegalArgumentException("array '" + name + "' is " + a.type().jsonName + ", expected " + type.jsonName);
        }
        return a;
    }

    /**
     * Writes the file (through a temporary sibling, so a crash never leaves half a model).
     *
     * @param path the target, replaced when complete; its directory must exist
     * @throws IOException naming the path when it cannot be written
     */
    public void write(Path path) throws IOException {
        if (path == null) {
            throw new IllegalArgumentException("path must not be null");
        }
        // safetensors: metadata values must be strings, so attributes and checksums are JSON text.
        Map<String, Object> crcs = new LinkedHashMap<>();
        Map<String, Object> header = new LinkedHashMap<>();
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("format", FORMAT);
        metadata.put("kind", kind);
        metadata.put("attributes", Json.write(attributes));
        metadata.put("crc32c", "");
        header.put(METADATA, metadata);
        long offset = 0;
        for (Map.Entry<String, Array> e : arrays.entrySet()) {
            Array a = e.getValue();
            long bytes = (long) a.length() * a.type().bytes;
            Map<String, Object> h = new LinkedHashMap<>();
            h.put("dtype", a.type().safetensorsName);
            List<Object> shape = new ArrayList<>();
            for (long d : a.shape()) {
                shape.add(d);
            }
            h.put("shape", shape);
            h.put("data_offsets", List.of(offset, offset + bytes));
            header.put(e.getKey(), h);
            crcs.put(e.getKey(), crc32c(a));
            offset += bytes;
        }
        metadata.put("crc32c", Json.write(crcs));
        byte[] text = Json.write(header).getBytes(StandardCharsets.UTF_8);
        // Padded with spaces so that the data starts 8-byte aligned, as safetensors writers do.
        byte[] json = Arrays.copyOf(text, (int) (align8(ST_PREFIX + text.length) - ST_PREFIX));
        Arrays.fill(json, text.length, json.length, (byte) ' ');

        Path abs = path.toAbsolutePath();
        if (Files.isDirectory(abs)) {
            throw new IllegalArgumentException(path + ": is a directory");
        }
        Path tmp = TempFiles.createBeside(abs);
        try (OutputStream out = new java.io.BufferedOutputStream(
                Files.newOutputStream(tmp, TempFiles.reopen()), 1 << 16)) {
            ByteBuffer prefix = ByteBuffer.allocate(ST_PREFIX).order(ByteOrder.LITTLE_ENDIAN);
            prefix.putLong(json.length);
            out.write(prefix.array());
            out.write(json);
            for (Array a : arrays.values()) {
                chunks(a, out::write);
            }
        } catch (IOException | RuntimeException e) {
            TempFiles.discard(tmp);
            throw e;
        }
        try {
            TempFiles.commit(tmp, abs);
        } catch (IOException | RuntimeException e) {
            TempFiles.discard(tmp);
            throw e;
        }
    }

    /** The CRC32C of an array's elements as the file stores them (little-endian). */
    private static long crc32c(Array a) {
        CRC32C crc = new CRC32C();
        try {
            chunks(a, crc::update);
        } catch (IOException e) {
            throw new AssertionError("a checksum does no I/O", e);
        }
        return crc.getValue();
    }

    private interface ChunkSink {
        void accept(byte[] bytes, int offset, int length) throws IOException;
    }

    /** An array's elements, little-endian, in chunks of 64 KiB. */
    private static void chunks(Array a, ChunkSink sink) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        int n = a.length();
        int per = buf.capacity() / a.type().bytes;
        for (int i = 0; i < n; i += per) {
            int m = Math.min(per, n - i);
            buf.clear();
            switch (a.type()) {
                case FLOAT64 -> buf.asDoubleBuffer().put((double[]) a.data(), i, m);
                case FLOAT32 -> buf.asFloatBuffer().put((float[]) a.data(), i, m);
                case INT32 -> buf.asIntBuffer().put((int[]) a.data(), i, m);
            }
            sink.accept(buf.array(), 0, m * a.type().bytes);
        }
    }

    private static long align8(long n) {
        return (n + 7) & ~7L;
    }

    /**
     * Reads a model file.
     *
     * @param path a regular file of at most 2^31 - 9 bytes
     * @return the file's attributes and arrays, each array's CRC32C checked
     * @throws IOException naming the path when the file is not a valid model file (safetensors of
     *     softmax-engine, or SMXMODEL version 1)
     */
    public static ModelFile read(Path path) throws IOException {
        if (path == null) {
            throw new IllegalArgumentException("path must not be null");
        }
        return read(readCapped(path), path.toString());
    }

    /** The bytes of a regular file of at most {@link #MAX_FILE_BYTES}: never a device or a pipe read without end. */
    private static byte[] readCapped(Path path) throws IOException {
        if (Files.exists(path) && !Files.isRegularFile(path)) {
            throw new IOException(path + ": not a regular file");
        }
        long size = Files.size(path);
        if (size > MAX_FILE_BYTES) {
            throw new IOException(path + ": " + size + " bytes; a model file is at most " + MAX_FILE_BYTES);
        }
        try (java.io.InputStream in = Files.newInputStream(path)) {
            return in.readNBytes((int) size);
        }
    }

    /**
     * Reads a model file from its bytes (e.g. shipped to a remote JVM).
     *
     * @param bytes the whole file
     * @return the file's attributes and arrays, each array's CRC32C checked
     * @throws IOException when the bytes are not a valid model file (safetensors of softmax-engine,
     *     or SMXMODEL version 1)
     */
    public static ModelFile read(byte[] bytes) throws IOException {
        if (bytes == null) {
            throw new IllegalArgumentException("bytes must not be null");
        }
        return read(bytes, "model bytes");
    }

    private static ModelFile read(byte[] bytes, String path) throws IOException {
        ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        boolean smx = bytes.length >= PREFIX && Arrays.equals(bytes, 0, MAGIC.length, MAGIC, 0, MAGIC.length);
        if (!smx && bytes.length > ST_PREFIX && bytes[ST_PREFIX] == '{') {
            return readSafetensors(bytes, bb, path);
        }
        if (!smx) {
            throw new IOException(path + ": not a softmax-engine model file (neither safetensors nor SMXMODEL)");
        }
        int version = bb.getInt(8);
        if (version != VERSION) {
            throw new IOException(path + ": model file format version " + version + ", this build reads " + VERSION);
        }
        long headerLength = Integer.toUnsignedLong(bb.getInt(12));
        if (PREFIX + headerLength > bytes.length) {
            throw new IOException(path + ": header of " + headerLength + " bytes runs past the end of the "
                    + bytes.length + "-byte file");
        }
        long dataStart = align8(PREFIX + headerLength);
        try {
            Object parsed = Json.parse(new String(bytes, PREFIX, (int) headerLength, StandardCharsets.UTF_8));
            if (!(parsed instanceof Map<?, ?> header)) {
                throw new IllegalArgumentException("header must be a JSON object");
            }
            if (!(header.get("kind") instanceof String kind)) {
                throw new IllegalArgumentException("header needs a string \"kind\"");
            }
            Map<String, Object> attributes = new LinkedHashMap<>();
            if (header.get("attributes") instanceof Map<?, ?> attrs) {
                attrs.forEach((k, v) -> attributes.put((String) k, v));
            } else if (header.containsKey("attributes")) {
                throw new IllegalArgumentException("\"attributes\" must be an object");
            }
            Map<String, Array> arrays = new LinkedHashMap<>();
            if (header.get("arrays") instanceof Map<?, ?> arrayHeaders) {
                List<Stored> stored = new ArrayList<>();
                for (Map.Entry<?, ?> e : arrayHeaders.entrySet()) {
                    stored.add(locate((String) e.getKey(), e.getValue(), bytes.length, dataStart));
                }
                requireDisjoint(stored);
                for (Stored st : stored) {
                    arrays.put(st.name(), load(st, bb));
                }
            } else if (header.containsKey("arrays")) {
                throw new IllegalArgumentException("\"arrays\" must be an object");
            }
            return new ModelFile(kind, attributes, arrays);
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new IOException(path + ": malformed model file: " + e.getMessage(), e);
        }
    }

    /** A safetensors file: its header checked to describe disjoint arrays inside the file, then loaded. */
    private static ModelFile readSafetensors(byte[] bytes, ByteBuffer bb, String path) throws IOException {
        long headerLength = bb.getLong(0);
        if (headerLength < 2 || headerLength > bytes.length - ST_PREFIX) {
            throw new IOException(path + ": safetensors header of " + headerLength + " bytes runs past the end of the "
                    + bytes.length + "-byte file");
        }
        long dataStart = ST_PREFIX + headerLength;
        try {
            Object parsed = Json.parse(new String(bytes, ST_PREFIX, (int) headerLength, StandardCharsets.UTF_8));
            if (!(parsed instanceof Map<?, ?> header)) {
                throw new IllegalArgumentException("header must be a JSON object");
            }
            if (!(header.get(METADATA) instanceof Map<?, ?> metadata) || !FORMAT.equals(metadata.get("format"))
                    || !(metadata.get("kind") instanceof String kind)) {
                throw new IllegalArgumentException("a safetensors file, but not a softmax-engine model: its "
                        + METADATA + " needs \"format\": \"" + FORMAT + "\" and a \"kind\"");
            }
            Map<String, Object> attributes = new LinkedHashMap<>();
            if (metadata.get("attributes") instanceof String text) {
                if (!(Json.parse(text) instanceof Map<?, ?> attrs)) {
                    throw new IllegalArgumentException("\"attributes\" must hold a JSON object");
                }
                attrs.forEach((k, v) -> attributes.put((String) k, v));
            }
            Map<?, ?> crcs = Map.of();
            if (metadata.get("crc32c") instanceof String text) {
                if (!(Json.parse(text) instanceof Map<?, ?> m)) {
                    throw new IllegalArgumentException("\"crc32c\" must hold a JSON object");
                }
                crcs = m;
            }
            List<Stored> stored = new ArrayList<>();
            for (Map.Entry<?, ?> e : header.entrySet()) {
                String name = (String) e.getKey();
                if (!name.equals(METADATA)) {
                    Object crc = crcs.get(name);
                    if (crc != null && !(crc instanceof Long)) {
                        throw new IllegalArgumentException("array '" + name + "' has a CRC32C that is not an integer: "
                                + crc);
                    }
                    stored.add(locateSafetensors(name, e.getValue(), bytes.length - dataStart, dataStart, (Long) crc));
                }
            }
            requireDisjoint(stored);
            Map<String, Array> arrays = new LinkedHashMap<>();
            for (Stored st : stored) {
                arrays.put(st.name(), load(st, bb));
            }
            return new ModelFile(kind, attributes, arrays);
        } catch (IllegalArgumentException | ArithmeticException | ClassCastException e) {
            throw new IOException(path + ": malformed model file: " + e.getMessage(), e);
        }
    }

    /** An array entry's {@code "shape"}, checked to be a list of integers (their range is checked after). */
    private static long[] shapeOf(String name, Map<?, ?> h) {
        if (!(h.get("shape") instanceof List<?> dims)) {
            throw new IllegalArgumentException("array '" + name + "' needs a \"shape\" list");
        }
        long[] shape = new long[dims.size()];
        for (int i = 0; i < shape.length; i++) {
            if (!(dims.get(i) instanceof Long d)) {
                throw new IllegalArgumentException("array '" + name + "' shape must hold integers, had " + dims.get(i));
            }
            shape[i] = d;
        }
        return shape;
    }

    /** A safetensors tensor entry, checked to describe {@code [begin, end)} bytes inside the data section. */
    private static Stored locateSafetensors(String name, Object spec, long dataBytes, long dataStart, Long crc) {
        if (!(spec instanceof Map<?, ?> h)) {
            throw new IllegalArgumentException("array '" + name + "' must be described by an object");
        }
        ArrayType type = h.get("dtype") instanceof String s ? ArrayType.ofSafetensors(s) : null;
        if (type == null) {
            throw new IllegalArgumentException("array '" + name + "' has dtype " + h.get("dtype")
                    + "; softmax-engine reads F64, F32 and I32");
        }
        long[] shape = shapeOf(name, h);
        int n = (int) checkShape(name, shape);
        if (!(h.get("data_offsets") instanceof List<?> offsets) || offsets.size() != 2
                || !(offsets.get(0) instanceof Long begin) || !(offsets.get(1) instanceof Long end)
                || begin < 0 || end < begin || end > dataBytes) {
            throw new IllegalArgumentException("array '" + name + "' needs \"data_offsets\" [begin, end] within the "
                    + dataBytes + " data bytes, was " + h.get("data_offsets"));
        }
        long length = (long) n * type.bytes;
        if (end - begin != length) {
            throw new IllegalArgumentException("array '" + name + "' of shape " + Arrays.toString(shape) + " needs "
                    + length + " bytes, its data_offsets span " + (end - begin));
        }
        return new Stored(name, type, shape, n, dataStart + begin, dataStart + end, crc);
    }

    /** Where one array's bytes lie in the file, from its header entry. */
    private record Stored(String name, ArrayType type, long[] shape, int elements, long start, long end, Long crc32c) {
    }

    /** An array's header entry, checked to describe bytes inside the file; nothing is allocated yet. */
    private static Stored locate(String name, Object spec, long fileBytes, long dataStart) {
        if (!(spec instanceof Map<?, ?> h)) {
            throw new IllegalArgumentException("array '" + name + "' must be described by an object");
        }
        ArrayType type = h.get("dtype") instanceof String s ? ArrayType.of(s) : null;
        if (type == null) {
            throw new IllegalArgumentException("array '" + name + "' has unknown dtype " + h.get("dtype"));
        }
        long[] shape = shapeOf(name, h);
        int n = (int) checkShape(name, shape);
        if (!(h.get("offset") instanceof Long offset) || offset < 0 || offset % 8 != 0) {
            throw new IllegalArgumentException("array '" + name + "' needs an \"offset\" that is a multiple of 8, was "
                    + h.get("offset"));
        }
        long length = (long) n * type.bytes;
        // Compared as room left, never as dataStart + offset: an offset near 2^63 wraps that sum
        // negative, past the check, and the array was read from the header's bytes.
        long room = fileBytes - dataStart;
        if (offset > room || length > room - offset) {
            throw new IllegalArgumentException("array '" + name + "' (offset " + offset + ", " + length
                    + " bytes) runs past the end of the " + fileBytes + "-byte file");
        }
        Object crc = h.get("crc32c");
        if (crc != null && !(crc instanceof Long)) {
            throw new IllegalArgumentException("array '" + name + "' has a \"crc32c\" that is not an integer: " + crc);
        }
        return new Stored(name, type, shape, n, dataStart + offset, dataStart + offset + length, (Long) crc);
    }

    /**
     * Refuses arrays whose bytes overlap: the writer never aliases them, and entries that all point
     * at the same bytes would make the memory read take (entries x file size), not the file's size.
     */
    private static void requireDisjoint(List<Stored> stored) {
        List<Stored> byStart = new ArrayList<>(stored);
        byStart.removeIf(st -> st.end() == st.start());
        byStart.sort(java.util.Comparator.comparingLong(Stored::start));
        for (int i = 1; i < byStart.size(); i++) {
            Stored prev = byStart.get(i - 1);
            Stored next = byStart.get(i);
            if (next.start() < prev.end()) {
                throw new IllegalArgumentException("array '" + next.name() + "' (bytes " + next.start() + ".." + next.end()
                        + ") overlaps array '" + prev.name() + "' (bytes " + prev.start() + ".." + prev.end() + ")");
            }
        }
    }

    /** The array's elements, after its CRC32C (when the header has one) matches its bytes. */
    private static Array load(Stored st, ByteBuffer bb) {
        ByteBuffer slice = bb.slice((int) st.start(), (int) (st.end() - st.start())).order(ByteOrder.LITTLE_ENDIAN);
        if (st.crc32c() != null) {
            CRC32C crc = new CRC32C();
            crc.update(slice.duplicate());
            if (crc.getValue() != st.crc32c()) {
                throw new IllegalArgumentException("array '" + st.name() + "' fails its CRC32C check (stored "
                        + st.crc32c() + ", computed " + crc.getValue() + "): the file is corrupt");
            }
        }
        int n = st.elements();
        Object data = switch (st.type()) {
            case FLOAT64 -> {
                double[] a = new double[n];
                slice.asDoubleBuffer().get(a);
                yield a;
            }
            case FLOAT32 -> {
                float[] a = new float[n];
                slice.asFloatBuffer().get(a);
                yield a;
            }
            case INT32 -> {
                int[] a = new int[n];
                slice.asIntBuffer().get(a);
                yield a;
            }
        };
        return new Array(st.type(), st.shape(), data);
    }
}
