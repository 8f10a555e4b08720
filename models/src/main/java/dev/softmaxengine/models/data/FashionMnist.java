package dev.softmaxengine.models.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017): 28x28 grey images of 10 kinds of clothing,
 * 60 000 for training and 10 000 for testing, as installed by Debian's {@code dataset-fashion-mnist}.
 */
public final class FashionMnist {
    /** Where {@code dataset-fashion-mnist} installs the files. */
    public static final Path DEFAULT_DIR = Path.of("/usr/share/datasets/fashion-mnist");

    /** The ten class names, by label 0 to 9. */
    public static final List<String> CLASS_NAMES = List.of(
            "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    private FashionMnist() {
    }

    /**
     * The split's image and label files: {@code train} or {@code t10k}.
     *
     * @param dir the directory holding the {@code *-ubyte.gz} files
     * @param split {@code train} or {@code t10k}
     * @return the image file, then the label file (they need not exist)
     */
    public static Path[] files(Path dir, String split) {
        if (!split.equals("train") && !split.equals("t10k")) {
            throw new IllegalArgumentException("split must be train or t10k, was '" + split + "'");
        }
        return new Path[] {
                dir.resolve(split + "-images-idx3-ubyte.gz"), dir.resolve(split + "-labels-idx1-ubyte.gz")};
    }

    /**
     * Opens a split for streaming.
     *
     *
     * @param dir the directory holding the {@code *-ubyte.gz} files
     * @param split {@code train} or {@code t10k}
     * @return the open source; the caller closes it
     * @throws IOException naming the missing path and the Debian package when a file is absent
     */
    public static Idx open(Path dir, String split) throws IOException {
        Path[] f = files(dir, split);
        for (Path p : f) {
            if (!Files.isRegularFile(p)) {
                throw new IOException("Fashion-MNIST file " + p + " not found; install Debian's dataset-fashion-mnist"
                        + " (apt-get install dataset-fashion-mnist) or pass its directory");
            }
        }
        return Idx.open(f[0], f[1], CLASS_NAMES);
    }

    /**
     * Reads a split into memory ({@code train}: 60 000 rows, {@code t10k}: 10 000).
     *
     * @param dir the directory holding the {@code *-ubyte.gz} files
     * @param split {@code train} or {@code t10k}
     * @return 784 features per row (pixels 0 to 255 as floats) and the ten classes
     * @throws IOException naming the missing path when a file is absent or unreadable
     */
    public static Dataset read(Path dir, String split) throws IOException {
        try (Idx idx = open(dir, split)) {
            return idx.readAll();
        }
    }
}
