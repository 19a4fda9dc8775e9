package org.sparkcnn.datasets.seeddata;

import java.awt.image.BufferedImage;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import javax.imageio.ImageIO;
import org.sparkcnn.core.errors.ErrorText;

/**
 * Writes the image-folder data sets of the primers' seed models from Fashion-MNIST, with the
 * recipes of {@code pytorch_seed_cnn.py --model binary|rgb64}, so that the PyTorch reference and
 * spark-cnn train on the same images (8-bit PNGs here: the reference's floats rounded to the
 * nearest of 256 levels, which is what rescale 1/255 reads back).
 *
 * <ul>
 *   <li>{@code binary/}: Pullover (label 2) and Coat (label 4) in the original order; {@code
 *       train/} from the training set (12,000), {@code validation/} from t10k (2,000); class
 *       folders {@code 0-pullover} and {@code 1-coat}, so sorted order gives Pullover 0 and Coat 1;
 *       28 x 28 gray PNGs, the pixels unchanged.
 *   <li>{@code rgb64/}: the first 10,000 training images ({@code train/}) and the first 2,000 t10k
 *       images ({@code validation/}), upscaled bilinearly to 64 x 64 (PyTorch's
 *       align_corners=False) and tinted: RGB = gray * tint, the tint drawn uniformly in [0.25, 1]
 *       per channel by numpy's default_rng(i) for training image i and default_rng(60000 + i) for
 *       t10k image i; class folders {@code 0-t-shirt-top} ... {@code 9-ankle-boot}.
 * </ul>
 *
 * File names are the image's index in its IDX file ({@code 00042.png}), so a folder lists in the
 * original order within each class. Each data set is written to a temporary folder and renamed into
 * place, so a folder under its final name is always complete; an existing one is kept.
 *
 * <p>Usage: {@code SeedData FASHION_MNIST_DIR OUTPUT_DIR [binary|rgb64]...}
 */
public final class SeedData {
  static final String[] CLASSES = {
    "t-shirt-top", "trouser", "pullover", "dress", "coat",
    "sandal", "shirt", "sneaker", "bag", "ankle-boot"
  };
  static final int RGB_TRAIN = 10_000;
  static final int RGB_VALIDATION = 2_000;
  static final int RGB_SIZE = 64;

  private SeedData() {}

  public static void main(String[] args) throws IOException {
    if (args.length < 2) {
      System.err.println("usage: SeedData FASHION_MNIST_DIR OUTPUT_DIR [binary|rgb64]...");
      System.exit(2);
    }
    Path source = Path.of(args[0]);
    Path output = Path.of(args[1]);
    List<String> sets =
        args.length > 2 ? List.of(args).subList(2, args.length) : List.of("binary", "rgb64");
    for (String set : sets) {
      if (!set.equals("binary") && !set.equals("rgb64")) {
        System.err.println(
            "make-seed-data: error: "
                + ErrorText.problem("unknown data set")
                    .received(ErrorText.quote(set))
                    .expected("binary or rgb64")
                    .text());
        System.exit(2);
      }
    }
    for (String set : sets) {
      Path done = output.resolve(set);
      if (Files.isDirectory(done)) {
        System.out.println("make-seed-data: " + done + " exists; kept (delete it to rewrite)");
        continue;
      }
      long started = System.nanoTime();
      Path tmp = output.resolve("." + set + ".tmp");
      deleteRecursively(tmp);
      Files.createDirectories(tmp);
      int[] counts = set.equals("binary") ? writeBinary(source, tmp) : writeRgb64(source, tmp);
      Files.writeString(tmp.resolve("RECIPE.txt"), recipe(set, counts), StandardCharsets.UTF_8);
      Files.move(tmp, done, StandardCopyOption.ATOMIC_MOVE);
      System.out.printf(
          Locale.ROOT,
          "make-seed-data: wrote %s: %d training and %d validation images in %.1f s%n",
          done,
          counts[0],
          counts[1],
          (System.nanoTime() - started) / 1e9);
    }
  }

  private static String recipe(String set, int[] counts) {
    return set.equals("binary")
        ? "Fashion-MNIST Pullover (label 2) -> 0-pullover, Coat (label 4) -> 1-coat, original order;\n"
            + "train/: "
            + counts[0]
            + " images of train-*, validation/: "
            + counts[1]
            + " images of t10k-*; 28x28 gray PNG, pixels unchanged.\n"
            + "Same data as pytorch_seed_cnn.py --model binary. Written by scripts/make-seed-data.\n"
        : "Fashion-MNIST, train/: the first "
            + counts[0]
            + " images of train-*, validation/: the first "
            + counts[1]
            + " of t10k-*;\n"
            + "x/255 upscaled to 64x64 (bilinear, align_corners=False), times a tint drawn uniformly\n"
            + "in [0.25, 1] per channel by numpy default_rng(i) (train) or default_rng(60000 + i)\n"
            + "(t10k), rounded to 8-bit RGB PNG. Same data as pytorch_seed_cnn.py --model rgb64.\n"
            + "Written by scripts/make-seed-data.\n";
  }

  private static int[] writeBinary(Path source, Path out) throws IOException {
    int[] counts = new int[2];
    String[] folders = {"validation", "train"};
    String[] splits = {"t10k", "train"};
    for (int s = 0; s < 2; s++) {
      Idx idx = Idx.read(source, splits[s]);
      Path dir = out.resolve(folders[s]);
      Files.createDirectories(dir.resolve("0-pullover"));
      Files.createDirectories(dir.resolve("1-coat"));
      for (int i = 0; i < idx.count; i++) {
        int label = idx.labels[i];
        if (label != 2 && label != 4) {
          continue;
        }
        BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        img.getRaster().setDataElements(0, 0, 28, 28, idx.image(i));
        write(img, dir.resolve(label == 2 ? "0-pullover" : "1-coat").resolve(name(i)));
        counts[1 - s]++;
      }
    }
    return counts;
  }

  private static int[] writeRgb64(Path source, Path out) throws IOException {
    Idx train = Idx.read(source, "train");
    Idx test = Idx.read(source, "t10k");
    writeRgb(train, Math.min(RGB_TRAIN, train.count), 0, out.resolve("train"));
    writeRgb(test, Math.min(RGB_VALIDATION, test.count), 60_000, out.resolve("validation"));
    return new int[] {Math.min(RGB_TRAIN, train.count), Math.min(RGB_VALIDATION, test.count)};
  }

  private static void writeRgb(Idx idx, int n, int firstSeed, Path dir) throws IOException {
    for (int c = 0; c < CLASSES.length; c++) {
      Files.createDirectories(dir.resolve(folder(c)));
    }
    float[] gray = new float[28 * 28];
    float[] up = new float[RGB_SIZE * RGB_SIZE];
    int[] rgb = new int[RGB_SIZE * RGB_SIZE * 3];
    for (int i = 0; i < n; i++) {
      byte[] px = idx.image(i);
      for (int k = 0; k < gray.length; k++) {
        gray[k] = (px[k] & 0xFF) / 255f;
      }
      TorchBilinear.resize(gray, 28, 28, up, RGB_SIZE, RGB_SIZE);
      NumpyRandom rng = new NumpyRandom(firstSeed + i);
      float[] tint = {
        (float) rng.uniform(0.25, 1.0),
        (float) rng.uniform(0.25, 1.0),
        (float) rng.uniform(0.25, 1.0)
      };
      for (int p = 0; p < up.length; p++) {
        for (int c = 0; c < 3; c++) {
          rgb[p * 3 + c] = Math.max(0, Math.min(255, Math.round(up[p] * tint[c] * 255f)));
        }
      }
      BufferedImage img = new BufferedImage(RGB_SIZE, RGB_SIZE, BufferedImage.TYPE_3BYTE_BGR);
      // setPixels takes samples in band order, which is R, G, B for this image type.
      img.getRaster().setPixels(0, 0, RGB_SIZE, RGB_SIZE, rgb);
      write(img, dir.resolve(folder(idx.labels[i])).resolve(name(i)));
    }
  }

  static String folder(int label) {
    return label + "-" + CLASSES[label];
  }

  private static String name(int index) {
    return String.format(Locale.ROOT, "%05d.png", index);
  }

  private static void write(BufferedImage img, Path file) throws IOException {
    if (!ImageIO.write(img, "png", file.toFile())) {
      throw new IOException("no PNG writer for " + file);
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /** One IDX pair, read whole: uint8 images (N, 28, 28) and labels. */
  private record Idx(int count, int rows, int cols, byte[] pixels, int[] labels) {
    byte[] image(int i) {
      byte[] out = new byte[rows * cols];
      System.arraycopy(pixels, i * rows * cols, out, 0, out.length);
      return out;
    }

    static Idx read(Path dir, String split) throws IOException {
      byte[] pixels;
      int count;
      int rows;
      int cols;
      try (DataInputStream in = open(dir.resolve(split + "-images-idx3-ubyte.gz"))) {
        expect(in.readInt(), 0x803, split + " images");
        count = in.readInt();
        rows = in.readInt();
        cols = in.readInt();
        pixels = in.readNBytes(count * rows * cols);
      }
      int[] labels;
      try (DataInputStream in = open(dir.resolve(split + "-labels-idx1-ubyte.gz"))) {
        expect(in.readInt(), 0x801, split + " labels");
        expect(in.readInt(), count, split + " label count");
        labels = new int[count];
        byte[] raw = in.readNBytes(count);
        for (int i = 0; i < count; i++) {
          labels[i] = raw[i] & 0xFF;
        }
      }
      if (pixels.length != count * rows * cols || rows != 28 || cols != 28) {
        throw new IOException(
            ErrorText.problem("not the Fashion-MNIST images")
                .in(split + " images")
                .received(pixels.length + " bytes of " + rows + " x " + cols + " images")
                .expected(count + " Fashion-MNIST images of 28 x 28")
                .text());
      }
      return new Idx(count, rows, cols, pixels, labels);
    }

    private static DataInputStream open(Path file) throws IOException {
      InputStream raw = Files.newInputStream(file);
      return new DataInputStream(new GZIPInputStream(raw, 1 << 16));
    }

    private static void expect(int value, int expected, String what) throws IOException {
      if (value != expected) {
        throw new IOException(
            ErrorText.problem("unexpected header field")
                .in(what + " header")
                .received(value)
                .expected(String.valueOf(expected))
                .hint("not Fashion-MNIST")
                .text());
      }
    }
  }
}
