package dev.softmaxengine.models.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Reads an IDX image file and its label file (the MNIST / Fashion-MNIST format), gzipped or not.
 * Each image becomes one row of {@code rows x cols} features, pixel bytes scaled to {@code [0, 1]}
 * by dividing by 255.
 *
 * <p>IDX: two zero bytes, a type byte ({@code 0x08} = unsigned byte, the only one read here), the
 * number of dimensions, each dimension as a big-endian int32, then the data in row-major order.
 * Images are {@code [n, rows, cols]}, labels {@code [n]}.
 */
public final class Idx implements RowSource {
    private static final int UNSIGNED_BYTE = 0x08;

    private final Path imagesPath;
    private final DataInputStream images;
    private final DataInputStream labels;
    private final int count;
    private final int features;
    private final List<String> classNames;
    private final byte[] pixels;
    private int next;

    private Idx(Path imagesPath, Path labelsPath, DataInputStream images, DataInputStream labels,
                List<String> classNames) throws IOException {
        this.imagesPath = imagesPath;
        this.images = images;
        this.labels = labels;
        this.classNames = List.copyOf(classNames);
        int[] imageDims = header(imagesPath, images);
        int[] labelDims = header(labelsPath, labels);
        if (imageDims.length < 2) {
            throw new IOException(imagesPath + ": images need >= 2 dimensions, file has " + imageDims.length);
        }
        if (labelDims.length != 1) {
            throw new IOException(labelsPath + ": labels need 1 dimension, file has " + labelDims.length);
        }
        if (imageDims[0] != labelDims[0]) {
            throw new IOException(imagesPath + " has " + imageDims[0] + " images but " + labelsPath + " has "
                    + labelDims[0] + " labels");
        }
        long d = 1;
        for (int i = 1; i < imageDims.length; i++) {
            d *= imageDims[i];
        }
        if (d < 1 || d > Integer.MAX_VALUE) {
            throw new IOException(imagesPath + ": an image of " + d + " pixels is not supported");
        }
        this.count = imageDims[0];
        this.features = (int) d;
        this.pixels = new byte[features];
    }

    /**
     * Opens an image file and its label file for streaming; the caller closes the source.
     *
     * @param images an IDX3 image file (unsigned bytes), optionally gzip-compressed
     * @param labels its IDX1 label file, with as many items
     * @param classNames names of the classes, or an empty list for plain integer labels
     * @return the open source, one row of {@code rows x columns} pixels per image
     * @throws IOException naming the file when it cannot be read or its header is not IDX
     */
    public static Idx open(Path images, Path labels, List<String> classNames) throws IOException {
        if (images == null) {
            throw new IllegalArgumentException("images must not be null");
        }
        if (labels == null) {
            throw new IllegalArgumentException("labels must not be null");
        }
        if (classNames == null) {
            throw new IllegalArgumentException("classNames must not be null");
        }
        DataInputStream im = stream(images);
        try {
            DataInputStream lb = stream(labels);
            try {
                return new Idx(images, labels, im, lb, classNames);
            } catch (IOException | RuntimeException e) {
                lb.close();
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            im.close();
            throw e;
        }
    }

    /**
     * Reads all images and labels into memory.
     *
     * @param images an IDX3 image file, optionally gzip-compressed
     * @param labels its IDX1 label file
     * @param classNames names of the classes, or an empty list for plain integer labels
     * @return every image as a row of pixel values 0 to 255
     * @throws IOException naming the file when it cannot be read or its header is not IDX
     */
    public static Dataset read(Path images, Path labels, List<String> classNames) throws IOException {
        try (Idx idx = open(images, labels, classNames)) {
            return idx.readAll();
        }
    }

    private static DataInputStream stream(Path p) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(p), 1 << 16);
        try {
            raw.mark(2);
            int b0 = raw.read();
            int b1 = raw.read();
            raw.reset();
            InputStream data = (b0 == 0x1f && b1 == 0x8b) ? new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16) : raw;
            return new DataInputStream(data);
        } catch (IOException | RuntimeException e) {
            raw.close();
            throw e;
        }
    }

    private static int[] header(Path p, DataInputStream in) throws IOException {
        try {
            int zero = in.readUnsignedShort();
            int type = in.readUnsignedByte();
            int rank = in.readUnsignedByte();
            if (zero != 0 || type != UNSIGNED_BYTE || rank < 1) {
                throw new IOException(p + ": not an unsigned-byte IDX file (magic 0x"
                        + Integer.toHexString((zero << 16) | (type << 8) | rank) + ")");
            }
            int[] dims = new int[rank];
            for (int i = 0; i < rank; i++) {
                dims[i] = in.readInt();
                if (dims[i] < 0) {
                    throw new IOException(p + ": dimension " + i + " is negative: " + dims[i]);
                }
            }
            return dims;
        } catch (EOFException e) {
            throw new IOException(p + ": truncated IDX header", e);
        }
    }

    @Override
    public int features() {
        return features;
    }

    @Override
    public long declaredRows() {
        return count;
    }

    @Override
    public List<String> classNames() {
        return classNames;
    }

    @Override
    public int read(float[] x, int[] y, int maxRows) throws IOException {
        RowSource.checkBatch(x, y, maxRows, features);
        int n = Math.min(maxRows, count - next);
        try {
            for (int r = 0; r < n; r++) {
                images.readFully(pixels);
                int base = r * features;
                for (int j = 0; j < features; j++) {
                    x[base + j] = (pixels[j] & 0xff) * (1f / 255f);
                }
                int label = labels.readUnsignedByte();
                if (!classNames.isEmpty() && label >= classNames.size()) {
                    throw new IOException("label of image " + (next + r) + " must be in [0, " + classNames.size()
                            + "), was " + label);
                }
                y[r] = label;
            }
        } catch (EOFException e) {
            throw new IOException(imagesPath + ": truncated after " + next + " of " + count + " images", e);
        }
        next += n;
        return n;
    }

    @Override
    public void close() throws IOException {
        try {
            images.close();
        } finally {
            labels.close();
        }
    }
}
