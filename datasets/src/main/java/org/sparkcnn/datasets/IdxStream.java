package org.sparkcnn.datasets;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * The IDX format over one {@link InputStream}: the header checked field by field, then any
 * contiguous range of items, raw or gzip-compressed. Both the local reader ({@link IdxReader}) and
 * the Spark job's tasks (which each read their own rows through the Hadoop file system) read IDX
 * through this class, so both accept the same files and report the same errors.
 *
 * <p>Layout (big-endian): two zero bytes, a type byte (0x08 = unsigned byte, the only type
 * accepted), a dimension count byte, one 32-bit size per dimension, then the data, and nothing
 * after it. Compression is detected from the content (the gzip magic 1f 8b), never from the name.
 *
 * <p>Memory: the declared size is checked before anything is allocated. When the file's length is
 * known, a raw file's data must match it exactly (so truncation and trailing bytes are found from
 * the header alone), and a gzip file's must be within deflate's best compression ratio of it; a
 * buffer for a gzip stream grows only as decompressed data actually arrives, so a corrupt header
 * cannot make the reader allocate gigabytes.
 *
 * <p>Order of calls: {@link #open} (reads and checks the header) → {@link #readItems} once, for
 * items {@code [start, start + n)}, or {@link #checkDeclaredLength} alone when only the header is
 * wanted; reading through the last item also checks that nothing follows it. The caller closes the
 * underlying stream.
 */
public final class IdxStream {
  /** What an IDX file holds, by its magic number. */
  public enum Kind {
    /** idx3: {@code (N, H, W)} uint8 images. */
    IMAGES(0x00000803, "idx3 images", "image"),
    /** idx1: {@code (N)} uint8 labels. */
    LABELS(0x00000801, "idx1 labels", "label");

    final int magic;
    final String title;
    final String item;

    Kind(int magic, String title, String item) {
      this.magic = magic;
      this.title = title;
      this.item = item;
    }

    int dimensions() {
      return magic & 0xFF;
    }
  }

  private static final int TYPE_UBYTE = 0x08;
  // Deflate cannot expand input by more than about 1032:1, so a gzip file of L bytes holds at most
  // this many times L decompressed bytes; anything above that is a corrupt or hostile header.
  private static final long MAX_DEFLATE_RATIO = 1032;
  static final int MAX_ARRAY = Integer.MAX_VALUE - 8;
  private static final int GROWTH_START = 1 << 20;
  // Trailing data is counted up to this much, so a stream that never ends cannot keep us here.
  private static final int TRAILING_LIMIT = 1 << 20;

  private final InputStream in;
  private final String source;
  private final Kind kind;
  private final long fileLength; // of the file (compressed if gzip), -1 when unknown
  private final boolean gzip;
  private final int[] dims;
  private long position; // in decompressed bytes
  private int headerLength;

  private IdxStream(InputStream in, String source, Kind kind, long fileLength, boolean gzip) {
    this.in = in;
    this.source = source;
    this.kind = kind;
    this.fileLength = fileLength;
    this.gzip = gzip;
    this.dims = readHeader();
  }

  /**
   * Reads and checks the header of an IDX stream of {@code kind}.
   *
   * @param source names the stream in errors (a file path or URI)
   * @param fileLength the file's length in bytes, or -1 when unknown (fewer checks before reading)
   */
  public static IdxStream open(InputStream raw, String source, Kind kind, long fileLength) {
    BufferedInputStream in = new BufferedInputStream(raw, 1 << 16);
    boolean gzip;
    InputStream data;
    try {
      in.mark(2);
      int b0 = in.read();
      int b1 = in.read();
      in.reset();
      gzip = b0 == 0x1F && b1 == 0x8B;
      data = gzip ? new GZIPInputStream(in, 1 << 16) : in;
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
    return new IdxStream(data, source, kind, fileLength, gzip);
  }

  /** N: the number of items the header declares. */
  public int count() {
    return dims[0];
  }

  /** H of an image (1 for labels). */
  public int rows() {
    return dims.length > 1 ? dims[1] : 1;
  }

  /** W of an image (1 for labels). */
  public int columns() {
    return dims.length > 2 ? dims[2] : 1;
  }

  /** Bytes per item: H * W for images, 1 for labels. */
  public long itemBytes() {
    return (long) rows() * columns();
  }

  public String source() {
    return source;
  }

  /**
   * Reads items {@code [start, start + n)} (the first call only; the stream moves forward); when
   * they run to the last item, also checks that no data follows.
   */
  public byte[] readItems(long start, int n) {
    if (start < 0 || n < 0 || start + n > count()) {
      throw new IllegalArgumentException(
          "items ["
              + start
              + ", "
              + (start + n)
              + ") of "
              + source
              + " are outside [0, "
              + count()
              + ")");
    }
    long total = n * itemBytes(); // n < 2^31 and itemBytes < 2^62 / 2^31, so no overflow
    if (total > MAX_ARRAY) {
      throw error("header", "IDX data is too large for one Java array")
          .received(
              n == count()
                  ? declared()
                  : n + " " + kind.item + "s x " + itemBytes() + " bytes = " + total + " bytes")
          .expected("at most " + MAX_ARRAY + " bytes per read")
          .hint("split the file, or the header is corrupt.")
          .build();
    }
    checkDeclaredLength();
    skip(start * itemBytes());
    byte[] data = readData((int) total);
    if (start + n == count()) {
      checkAtEnd();
    }
    return data;
  }

  /** Checks the magic, type and dimension fields; returns the dimension sizes, all >= 1. */
  private int[] readHeader() {
    byte[] m = readHeaderBytes(4, "header bytes 0-3 (magic number)");
    int found =
        ((m[0] & 0xFF) << 24) | ((m[1] & 0xFF) << 16) | ((m[2] & 0xFF) << 8) | (m[3] & 0xFF);
    if (m[0] != 0 || m[1] != 0) {
      throw error("header bytes 0-3", "Not an IDX file: the magic number is wrong")
          .received(hex(found))
          .expected(hex(kind.magic) + " (" + kind.title + ")")
          .hint("IDX files start with two zero bytes; this is some other kind of file.")
          .build();
    }
    if ((m[2] & 0xFF) != TYPE_UBYTE) {
      throw error("header byte 2 (data type)", "IDX data type is not supported")
          .received(String.format("0x%02X (%s)", m[2] & 0xFF, typeName(m[2] & 0xFF)))
          .expected(String.format("0x%02X (unsigned byte)", TYPE_UBYTE))
          .hint("only uint8 images and labels, as in MNIST, are read.")
          .build();
    }
    int ndims = m[3] & 0xFF;
    int wantDims = kind.dimensions();
    if (ndims != wantDims) {
      throw error("header byte 3 (dimension count)", "IDX file has the wrong number of dimensions")
          .received(ndims + " (magic " + hex(found) + ")")
          .expected(wantDims + " (magic " + hex(kind.magic) + ", " + kind.title + ")")
          .hint(
              ndims == 1 || ndims == 3
                  ? "the image and label files look swapped."
                  : "this is not an MNIST-style " + kind.title + " file.")
          .build();
    }
    int[] sizes = new int[ndims];
    for (int d = 0; d < ndims; d++) {
      int offset = 4 + 4 * d;
      String field = "header bytes " + offset + "-" + (offset + 3) + " (" + dimName(ndims, d) + ")";
      byte[] b = readHeaderBytes(4, field);
      long size =
          ((b[0] & 0xFFL) << 24) | ((b[1] & 0xFF) << 16) | ((b[2] & 0xFF) << 8) | (b[3] & 0xFF);
      if (size < 1 || size > MAX_ARRAY) {
        throw error(field, "IDX dimension size is out of range")
            .received(Long.toString(size))
            .expected("1.." + MAX_ARRAY)
            .hint(size == 0 ? "the file declares no items." : "the header is corrupt.")
            .build();
      }
      sizes[d] = (int) size;
    }
    return sizes;
  }

  /** "N images x B bytes = T bytes after the 16-byte header", for errors. */
  private String declared() {
    long total = count() * itemBytes();
    return count()
        + " "
        + kind.item
        + "s"
        + (itemBytes() > 1 ? " x " + itemBytes() + " bytes" : "")
        + " = "
        + total
        + " bytes after the "
        + headerLength
        + "-byte header";
  }

  /**
   * Compares the declared data size with what the file can hold (when its length is known), before
   * anything is allocated: for a raw file this finds truncation and trailing bytes from the header
   * alone. {@link #readItems} calls it; a caller that reads only the header calls it directly.
   */
  public void checkDeclaredLength() {
    long total = count() * itemBytes();
    if (fileLength < 0) {
      return;
    }
    if (gzip) {
      if (total > fileLength * MAX_DEFLATE_RATIO) {
        throw error("header", "IDX header declares more data than the gzip file can hold")
            .received(declared() + " from a " + fileLength + "-byte gzip file")
            .expected("at most " + MAX_DEFLATE_RATIO + " x " + fileLength + " bytes")
            .hint("the header is corrupt or the file is truncated.")
            .build();
      }
      return;
    }
    long actual = fileLength - headerLength;
    if (actual < total) {
      throw truncated(actual);
    }
    if (actual > total) {
      throw trailing(actual - total);
    }
  }

  private void skip(long bytes) {
    byte[] scratch = new byte[(int) Math.min(bytes, 1 << 16)];
    long left = bytes;
    while (left > 0) {
      int n = read(scratch, 0, (int) Math.min(left, scratch.length));
      if (n <= 0) {
        throw truncated(position - headerLength);
      }
      left -= n;
    }
  }

  private byte[] readData(int total) {
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
        throw truncated(position - headerLength);
      }
      filled += n;
    }
    return buf;
  }

  private void checkAtEnd() {
    long extra = 0;
    byte[] scratch = new byte[8192];
    while (extra < TRAILING_LIMIT) {
      int n = read(scratch, 0, scratch.length);
      if (n <= 0) {
        break;
      }
      extra += n;
    }
    if (extra > 0) {
      throw trailing(extra >= TRAILING_LIMIT ? -1 : extra);
    }
  }

  private byte[] readHeaderBytes(int n, String field) {
    byte[] b = new byte[n];
    int got = read(b, 0, n);
    if (got < n) {
      throw error(field, "IDX file ends inside its header")
          .received(position + " bytes" + (gzip ? " after decompression" : ""))
          .expected("at least " + (position - got + n) + " bytes")
          .hint("the file is truncated or empty.")
          .build();
    }
    headerLength += n;
    return b;
  }

  private DatasetException.Builder error(String entry, String problem) {
    return DatasetException.in(source).at(entry).problem(problem);
  }

  private DatasetException truncated(long actual) {
    long complete = actual / itemBytes();
    return error(
            kind.item + " " + complete + " (the first incomplete one)", "IDX file is truncated")
        .received(
            actual
                + " data bytes"
                + (gzip ? " after decompression" : "")
                + " ("
                + complete
                + " complete "
                + kind.item
                + "s)")
        .expected(declared())
        .hint("the download or copy was interrupted; fetch the file again.")
        .build();
  }

  private DatasetException trailing(long extra) {
    long total = count() * itemBytes();
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
                + " bytes, as the header declares")
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

  private static String dimName(int ndims, int d) {
    if (d == 0) {
      return ndims == 1 ? "label count" : "image count";
    }
    return d == 1 ? "rows" : "columns";
  }

  private static String typeName(int type) {
    return switch (type) {
      case 0x08 -> "unsigned byte";
      case 0x09 -> "signed byte";
      case 0x0B -> "short";
      case 0x0C -> "int";
      case 0x0D -> "float";
      case 0x0E -> "double";
      default -> "unknown type";
    };
  }

  private static String hex(int v) {
    return String.format("0x%08X", v);
  }
}
