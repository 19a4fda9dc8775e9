package org.sparkcnn.datasets;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads IDX files, the format of MNIST and Fashion-MNIST: idx3 images ({@code (N, H, W)} uint8) and
 * idx1 labels ({@code (N)} uint8), raw or gzip-compressed.
 *
 * <p>Layout (big-endian): two zero bytes, a type byte (0x08 = unsigned byte, the only type
 * accepted), a dimension count byte, one 32-bit size per dimension, then the data, and nothing
 * after it. Every field is checked and reported on its own.
 *
 * <p>Compression is detected from the content (the gzip magic 1f 8b), never from the file name.
 *
 * <p>Memory: the declared size is checked before anything is allocated. For a raw file it must
 * match the file's length exactly; for gzip, it must be within deflate's best compression ratio of
 * the file's length, and the buffer then grows only as decompressed data actually arrives, so a
 * corrupt header cannot make the reader allocate gigabytes.
 *
 * <p>The {@code Path} methods open and close their file. The {@code InputStream} methods (for
 * Hadoop streams in the Spark job) read to the end of the stream and leave closing it to the
 * caller; the {@code source} argument names the stream in error messages.
 *
 * <p>All failures are {@link DatasetException}s.
 */
public final class IdxReader {
  static final int IMAGES_MAGIC = 0x00000803;
  static final int LABELS_MAGIC = 0x00000801;
  private static final int TYPE_UBYTE = 0x08;
  // Deflate cannot expand input by more than about 1032:1, so a gzip file of L bytes holds at most
  // this many times L decompressed bytes; anything above that is a corrupt or hostile header.
  private static final long MAX_DEFLATE_RATIO = 1032;
  private static final int MAX_ARRAY = Integer.MAX_VALUE - 8;
  private static final int GROWTH_START = 1 << 20;

  private IdxReader() {}

  /** Reads an idx3 image file, raw or gzip. */
  public static IdxImages readImages(Path file) {
    return withFile(file, (in, length) -> readImages(in, file.toString(), length));
  }

  /** Reads idx3 images from a stream, raw or gzip; does not close {@code in}. */
  public static IdxImages readImages(InputStream in, String source) {
    return readImages(in, source, -1);
  }

  /** Reads an idx1 label file, raw or gzip; each label as an int in [0, 255]. */
  public static int[] readLabels(Path file) {
    return withFile(file, (in, length) -> readLabels(in, file.toString(), length));
  }

  /** Reads idx1 labels from a stream, raw or gzip; does not close {@code in}. */
  public static int[] readLabels(InputStream in, String source) {
    return readLabels(in, source, -1);
  }

  /**
   * Reads an image file and its label file into one dataset of shape {@code (N, H, W, 1)}, after
   * checking that both hold the same number of items and that every label indexes {@code
   * classNames}.
   */
  public static ImageDataset load(Path imagesFile, Path labelsFile, List<String> classNames) {
    IdxImages images = readImages(imagesFile);
    int[] labels = readLabels(labelsFile);
    return combine(images, labels, labelsFile.toString(), classNames);
  }

  /** {@link #load(Path, Path, List)} for streams; closes neither stream. */
  public static ImageDataset load(
      InputStream images,
      String imagesSource,
      InputStream labels,
      String labelsSource,
      List<String> classNames) {
    return combine(
        readImages(images, imagesSource),
        readLabels(labels, labelsSource),
        labelsSource,
        classNames);
  }

  private static ImageDataset combine(
      IdxImages images, int[] labels, String labelsSource, List<String> classNames) {
    if (images.count() != labels.length) {
      throw DatasetException.in(images.source())
          .problem("Image and label counts differ")
          .received(
              images.count()
                  + " images, but "
                  + labels.length
                  + " labels in '"
                  + labelsSource
                  + "'")
          .expected("one label per image")
          .hint("the two files come from different splits (train vs t10k) or data sets.")
          .build();
    }
    Labels.checkRange(labelsSource, labels, classNames);
    return ImageDataset.of(
        images.source(), images.pixels(), labels, images.rows(), images.columns(), 1, classNames);
  }

  private static IdxImages readImages(InputStream raw, String source, long fileLength) {
    Payload p = open(raw, source, fileLength);
    int[] dims = readHeader(p, IMAGES_MAGIC, "idx3 images");
    int count = dims[0];
    int rows = dims[1];
    int cols = dims[2];
    long imageBytes = (long) rows * cols;
    byte[] pixels = readData(p, count, imageBytes, "image");
    return new IdxImages(source, count, rows, cols, pixels);
  }

  private static int[] readLabels(InputStream raw, String source, long fileLength) {
    Payload p = open(raw, source, fileLength);
    int count = readHeader(p, LABELS_MAGIC, "idx1 labels")[0];
    byte[] bytes = readData(p, count, 1, "label");
    int[] labels = new int[count];
    for (int i = 0; i < count; i++) {
      labels[i] = bytes[i] & 0xFF;
    }
    return labels;
  }

  /** Checks the magic, type and dimension fields; returns the dimension sizes, all >= 1. */
  private static int[] readHeader(Payload p, int magic, String kind) {
    byte[] m = p.readHeaderBytes(4, "header bytes 0-3 (magic number)");
    int found =
        ((m[0] & 0xFF) << 24) | ((m[1] & 0xFF) << 16) | ((m[2] & 0xFF) << 8) | (m[3] & 0xFF);
    String expectedMagic = hex(magic) + " (" + kind + ")";
    if (m[0] != 0 || m[1] != 0) {
      throw p.error("header bytes 0-3", "Not an IDX file: the magic number is wrong")
          .received(hex(found))
          .expected(expectedMagic)
          .hint("IDX files start with two zero bytes; this is some other kind of file.")
          .build();
    }
    if ((m[2] & 0xFF) != TYPE_UBYTE) {
      throw p.error("header byte 2 (data type)", "IDX data type is not supported")
          .received(String.format("0x%02X (%s)", m[2] & 0xFF, typeName(m[2] & 0xFF)))
          .expected(String.format("0x%02X (unsigned byte)", TYPE_UBYTE))
          .hint("only uint8 images and labels, as in MNIST, are read.")
          .build();
    }
    int ndims = m[3] & 0xFF;
    int wantDims = magic & 0xFF;
    if (ndims != wantDims) {
      throw p.error(
              "header byte 3 (dimension count)", "IDX file has the wrong number of dimensions")
          .received(ndims + " (magic " + hex(found) + ")")
          .expected(wantDims + " (magic " + hex(magic) + ", " + kind + ")")
          .hint(
              ndims == 1 || ndims == 3
                  ? "the image and label files look swapped."
                  : "this is not an MNIST-style " + kind + " file.")
          .build();
    }
    int[] dims = new int[ndims];
    for (int d = 0; d < ndims; d++) {
      int offset = 4 + 4 * d;
      String field = "header bytes " + offset + "-" + (offset + 3) + " (" + dimName(ndims, d) + ")";
      byte[] b = p.readHeaderBytes(4, field);
      long size =
          ((b[0] & 0xFFL) << 24) | ((b[1] & 0xFF) << 16) | ((b[2] & 0xFF) << 8) | (b[3] & 0xFF);
      if (size < 1 || size > MAX_ARRAY) {
        throw p.error(field, "IDX dimension size is out of range")
            .received(Long.toString(size))
            .expected("1.." + MAX_ARRAY)
            .hint(size == 0 ? "the file declares no items." : "the header is corrupt.")
            .build();
      }
      dims[d] = (int) size;
    }
    return dims;
  }

  /** Reads {@code count} items of {@code itemBytes} each and checks that nothing follows them. */
  private static byte[] readData(Payload p, int count, long itemBytes, String item) {
    long total = count * itemBytes; // both < 2^31 and itemBytes < 2^62 / 2^31, so no overflow
    String declared =
        count
            + " "
            + item
            + "s"
            + (itemBytes > 1 ? " x " + itemBytes + " bytes" : "")
            + " = "
            + total
            + " bytes after the "
            + p.headerLength
            + "-byte header";
    if (total > MAX_ARRAY) {
      throw p.error("header", "IDX data is too large for one Java array")
          .received(declared)
          .expected("at most " + MAX_ARRAY + " bytes")
          .hint("split the file, or the header is corrupt.")
          .build();
    }
    p.checkDeclaredLength(total, declared, count, itemBytes, item);
    byte[] data = p.readData((int) total, declared, itemBytes, item);
    p.checkAtEnd(total);
    return data;
  }

  private static String dimName(int ndims, int d) {
    if (d == 0) {
      return ndims == 1 ? "label count" : "image count";
    }
    return d == 1 ? "rows" : "columns";
  }

  private static String typeName(int type) {
    switch (type) {
      case 0x08:
        return "unsigned byte";
      case 0x09:
        return "signed byte";
      case 0x0B:
        return "short";
      case 0x0C:
        return "int";
      case 0x0D:
        return "float";
      case 0x0E:
        return "double";
      default:
        return "unknown type";
    }
  }

  private static String hex(int v) {
    return String.format("0x%08X", v);
  }

  private interface FileReader<T> {
    T read(InputStream in, long length);
  }

  private static <T> T withFile(Path file, FileReader<T> reader) {
    long length;
    InputStream in;
    try {
      length = Files.size(file);
      in = Files.newInputStream(file);
    } catch (IOException e) {
      throw DatasetException.in(file.toString())
          .problem("Cannot open IDX file")
          .received(e.toString())
          .expected("a readable file")
          .cause(e)
          .build();
    }
    try (InputStream closing = in) {
      return reader.read(closing, length);
    } catch (IOException e) {
      throw DatasetException.in(file.toString()).problem("Cannot close IDX file").cause(e).build();
    }
  }

  private static Payload open(InputStream raw, String source, long fileLength) {
    BufferedInputStream in = new BufferedInputStream(raw, 1 << 16);
    try {
      in.mark(2);
      int b0 = in.read();
      int b1 = in.read();
      in.reset();
      boolean gzip = b0 == 0x1F && b1 == 0x8B;
      if (!gzip) {
        return new Payload(in, source, fileLength, false);
      }
      return new Payload(new GZIPInputStream(in, 1 << 16), source, fileLength, true);
    } catch (IOException e) {
      throw DatasetException.in(source)
          .problem(
              e instanceof ZipException || e instanceof EOFException
                  ? "Corrupt gzip header"
                  : "Cannot read IDX data")
          .received(e.toString())
          .expected("a raw or gzip-compressed IDX file")
          .cause(e)
          .build();
    }
  }

  /** The decompressed byte stream of one file, with the position and length facts errors need. */
  private static final class Payload {
    final InputStream in;
    final String source;
    final long fileLength; // of the file on disk (compressed if gzip), -1 when unknown
    final boolean gzip;
    long position; // in decompressed bytes
    int headerLength;

    Payload(InputStream in, String source, long fileLength, boolean gzip) {
      this.in = in;
      this.source = source;
      this.fileLength = fileLength;
      this.gzip = gzip;
    }

    DatasetException.Builder error(String entry, String problem) {
      return DatasetException.in(source).at(entry).problem(problem);
    }

    byte[] readHeaderBytes(int n, String field) {
      byte[] b = new byte[n];
      int got = read(b, 0, n);
      if (got < n) {
        throw error(field, "IDX file ends inside its header")
            .received((position) + " bytes" + (gzip ? " after decompression" : ""))
            .expected("at least " + (position - got + n) + " bytes")
            .hint("the file is truncated or empty.")
            .build();
      }
      headerLength += n;
      return b;
    }

    /** Compares the declared data size with what the file on disk can hold, before allocating. */
    void checkDeclaredLength(long total, String declared, int count, long itemBytes, String item) {
      if (fileLength < 0) {
        return;
      }
      if (gzip) {
        if (total > fileLength * MAX_DEFLATE_RATIO) {
          throw error("header", "IDX header declares more data than the gzip file can hold")
              .received(declared + " from a " + fileLength + "-byte gzip file")
              .expected("at most " + MAX_DEFLATE_RATIO + " x " + fileLength + " bytes")
              .hint("the header is corrupt or the file is truncated.")
              .build();
        }
        return;
      }
      long actual = fileLength - headerLength;
      if (actual < total) {
        throw truncated(actual, declared, itemBytes, item);
      }
      if (actual > total) {
        throw trailing(actual - total, total);
      }
    }

    byte[] readData(int total, String declared, long itemBytes, String item) {
      // Known, verified raw length: allocate once. Otherwise grow with the data that arrives.
      boolean verified = fileLength >= 0 && !gzip;
      byte[] buf = new byte[verified ? total : Math.min(total, GROWTH_START)];
      int filled = 0;
      while (filled < total) {
        if (filled == buf.length) {
          buf = Arrays.copyOf(buf, (int) Math.min(total, 2L * buf.length));
        }
        int n = read(buf, filled, buf.length - filled);
        if (n <= 0) {
          throw truncated(filled, declared, itemBytes, item);
        }
        filled += n;
      }
      return buf;
    }

    void checkAtEnd(long total) {
      long extra = 0;
      byte[] scratch = new byte[8192];
      // Counting is bounded so a stream that never ends cannot keep us here.
      while (extra < (1 << 20)) {
        int n = read(scratch, 0, scratch.length);
        if (n <= 0) {
          break;
        }
        extra += n;
      }
      if (extra > 0) {
        throw trailing(extra >= (1 << 20) ? -1 : extra, total);
      }
    }

    private DatasetException truncated(long actual, String declared, long itemBytes, String item) {
      long complete = actual / itemBytes;
      return error(item + " " + complete + " (the first incomplete one)", "IDX file is truncated")
          .received(
              actual
                  + " data bytes"
                  + (gzip ? " after decompression" : "")
                  + " ("
                  + complete
                  + " complete "
                  + item
                  + "s)")
          .expected(declared)
          .hint("the download or copy was interrupted; fetch the file again.")
          .build();
    }

    private DatasetException trailing(long extra, long total) {
      return error("after " + (headerLength + total) + " bytes", "IDX file has trailing bytes")
          .received(
              extra < 0
                  ? "more than 1 MiB of extra data"
                  : extra + " extra bytes" + (gzip ? " after decompression" : ""))
          .expected(
              "the data to end after "
                  + headerLength
                  + " + "
                  + total
                  + " bytes, as the "
                  + "header declares")
          .hint("the header's count is too small, or files were concatenated.")
          .build();
    }

    private int read(byte[] b, int off, int len) {
      try {
        int total = 0;
        while (total < len) {
          int n = in.read(b, off + total, len - total);
          if (n < 0) {
            break;
          }
          total += n;
        }
        position += total;
        return total;
      } catch (EOFException | ZipException e) {
        throw error("decompressed byte " + position, "Corrupt or truncated gzip data")
            .received(e.toString())
            .expected("a complete gzip stream")
            .hint("the file was cut short or damaged; fetch it again.")
            .cause(e)
            .build();
      } catch (IOException e) {
        throw error("byte " + position, "Cannot read IDX data")
            .received(e.toString())
            .cause(e)
            .build();
      }
    }
  }
}
