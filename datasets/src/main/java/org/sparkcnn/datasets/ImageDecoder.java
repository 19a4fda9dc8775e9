package org.sparkcnn.datasets;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import org.sparkcnn.core.errors.ErrorText;

/**
 * Decodes PNG, JPEG, BMP and GIF images (through {@code javax.imageio}) into uint8 pixels of one
 * fixed shape {@code (H, W, C)}, channels-last, ready to go into an {@link ImageDataset} or a
 * batch.
 *
 * <p>Channels: C = 1 gives luminance. Gray images are taken as they are; colour images become
 * {@code L = 0.299 R + 0.587 G + 0.114 B} in Pillow's fixed-point form, so values equal PIL's
 * {@code convert("L")}. C = 3 gives RGB, with gray replicated into all three. An alpha channel is
 * <b>dropped</b>, not composited onto a background: a transparent pixel keeps its stored colour, as
 * with PIL's {@code convert}. Palette images are expanded through their palette; 16-bit samples are
 * scaled to 8 bits. Animated GIFs contribute their first frame.
 *
 * <p>Size: an {@link #exact} decoder refuses images whose size is not H x W; a {@link #resizing}
 * decoder resizes them bilinearly (see {@link Bilinear}: half-pixel centres, no antialiasing),
 * after the channel conversion.
 *
 * <p>Strictness: any decoder warning (JPEG's "premature end of data", for instance) is an error, as
 * is a format other than the four above, an image of more than {@link #MAX_SOURCE_PIXELS} pixels,
 * or data that is not an image. Every failure is a {@link DatasetException} naming the {@code
 * source} the caller passes: a file path, or a row description such as "row 17 of part-00003".
 *
 * <p>PNG data is checked chunk by chunk first (CRC-32 and a final IEND, see {@link PngChunks}),
 * because the JDK's PNG reader checks neither and would decode damaged files into wrong pixels.
 * Small 8-bit PNGs of the target size are then decoded without ImageIO ({@link FastPng}, the same
 * pixels).
 *
 * <p>Instances are immutable and thread-safe: the Spark scoring job can share one per executor.
 */
public final class ImageDecoder {
  /** The largest source image accepted, in pixels (8192 x 8192): a guard against pixel bombs. */
  public static final long MAX_SOURCE_PIXELS = 8192L * 8192L;

  /** The largest encoded image accepted, in bytes (64 MiB). */
  public static final int MAX_ENCODED_BYTES = 64 << 20;

  private static final Set<String> FORMATS = Set.of("png", "jpeg", "bmp", "gif");

  private final ImageShape shape;
  private final boolean resize;
  // Null when H x W is the model input; else the file whose size the others must share.
  private final String sizeOrigin;

  private ImageDecoder(int height, int width, int channels, boolean resize, String sizeOrigin) {
    if (height <= 0 || width <= 0) {
      throw ErrorText.problem("invalid target size")
          .in("ImageDecoder")
          .received(height + " x " + width)
          .expected("a positive height and width")
          .illegalArgument();
    }
    checkChannels(channels, "ImageDecoder");
    this.shape = new ImageShape(height, width, channels);
    this.resize = resize;
    this.sizeOrigin = sizeOrigin;
  }

  /** Refuses a channel count no decoder produces; {@code where} names the setting's owner. */
  static void checkChannels(int channels, String where) {
    if (channels != 1 && channels != 3) {
      throw ErrorText.problem("invalid channels")
          .in(where)
          .received(channels)
          .expected("1 (grayscale) or 3 (RGB)")
          .illegalArgument();
    }
  }

  /** A decoder that refuses images whose size is not {@code height x width}. */
  public static ImageDecoder exact(int height, int width, int channels) {
    return new ImageDecoder(height, width, channels, false, null);
  }

  /** A decoder that resizes every image to {@code height x width} (bilinear). */
  public static ImageDecoder resizing(int height, int width, int channels) {
    return new ImageDecoder(height, width, channels, true, null);
  }

  /**
   * An exact decoder whose size was taken from the first image of a collection, so that a mismatch
   * is reported as mixed sizes, naming that first image.
   */
  static ImageDecoder matching(int height, int width, int channels, String firstImage) {
    return new ImageDecoder(height, width, channels, false, firstImage);
  }

  /** {@code (H, W, C)}, the shape of every decoded image. */
  public ImageShape shape() {
    return shape;
  }

  public boolean resizes() {
    return resize;
  }

  /** Decodes encoded image bytes into a new array {@code (H, W, C)}. */
  public byte[] decode(byte[] encoded, String source) {
    byte[] out = new byte[shape.imageSize()];
    decodeInto(encoded, source, out, 0);
    return out;
  }

  /** Decodes encoded image bytes into {@code dest[offset .. offset + shape().imageSize())}. */
  public void decodeInto(byte[] encoded, String source, byte[] dest, int offset) {
    Objects.requireNonNull(encoded, "encoded");
    Objects.checkFromIndexSize(offset, shape.imageSize(), dest.length);
    checkDeclaredSize(encoded, source);
    if (PngChunks.isPng(encoded)) {
      PngChunks.verify(encoded, source);
      if (FastPng.decodeInto(
          encoded, shape.height(), shape.width(), shape.channels(), dest, offset)) {
        return;
      }
    }
    ImageReader reader = readerFor(encoded, source);
    try {
      List<String> warnings = new ArrayList<>();
      reader.addIIOReadWarningListener((r, warning) -> warnings.add(warning));
      int w;
      int h;
      BufferedImage img;
      try {
        w = reader.getWidth(0);
        h = reader.getHeight(0);
        checkSize(source, h, w);
        img = reader.read(0);
      } catch (IOException | RuntimeException e) {
        if (e instanceof DatasetException) {
          throw (DatasetException) e;
        }
        throw corrupt(source, reader, e.toString(), e);
      }
      if (!warnings.isEmpty()) {
        throw corrupt(source, reader, "decoder warning: " + String.join("; ", warnings), null);
      }
      if (!resize || (h == shape.height() && w == shape.width())) {
        Pixels.toChannels(img, shape.channels(), dest, offset);
      } else {
        byte[] full = new byte[h * w * shape.channels()];
        Pixels.toChannels(img, shape.channels(), full, 0);
        Bilinear.resize(full, h, w, shape.channels(), dest, offset, shape.height(), shape.width());
      }
    } finally {
      release(reader);
    }
  }

  /** Decodes an image read from {@code in} (not closed) into a new array {@code (H, W, C)}. */
  public byte[] decode(InputStream in, String source) {
    byte[] encoded;
    try {
      encoded = in.readNBytes(MAX_ENCODED_BYTES + 1);
    } catch (IOException e) {
      throw cannotRead(source, e);
    }
    if (encoded.length > MAX_ENCODED_BYTES) {
      throw tooManyBytes(source, "more than " + MAX_ENCODED_BYTES + " bytes");
    }
    return decode(encoded, source);
  }

  /** Decodes an image file into a new array {@code (H, W, C)}. */
  public byte[] decode(Path file) {
    return decode(readFile(file), file.toString());
  }

  /** Decodes an image file into {@code dest[offset .. offset + shape().imageSize())}. */
  public void decodeInto(Path file, byte[] dest, int offset) {
    decodeInto(readFile(file), file.toString(), dest, offset);
  }

  /**
   * Reads a whole image file, refusing files above {@link #MAX_ENCODED_BYTES} before reading them
   * (a stray video in an image folder should not fill the heap).
   */
  static byte[] readFile(Path file) {
    return LocalFileTree.readRegular(file, file.toString(), MAX_ENCODED_BYTES);
  }

  /** Reads only the header of an encoded image: {@code {height, width}}. */
  static int[] dimensionsOf(byte[] encoded, String source) {
    checkDeclaredSize(encoded, source);
    ImageReader reader = readerFor(encoded, source);
    try {
      return new int[] {reader.getHeight(0), reader.getWidth(0)};
    } catch (IOException | RuntimeException e) {
      throw corrupt(source, reader, e.toString(), e);
    } finally {
      release(reader);
    }
  }

  private static void release(ImageReader reader) {
    try {
      ((ImageInputStream) reader.getInput()).close();
    } catch (IOException ignored) {
      // An in-memory stream has nothing to release that could fail.
    }
    reader.dispose();
  }

  private static DatasetException tooManyBytes(String source, String received) {
    return DatasetException.in(source)
        .problem("File is too large to be read as one image")
        .received(received)
        .expected("at most " + MAX_ENCODED_BYTES + " bytes")
        .hint("is this really an image? Shrink it or remove it.")
        .build();
  }

  /** A reader for one of the four accepted formats, with its input set to {@code encoded}. */
  private static ImageReader readerFor(byte[] encoded, String source) {
    ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(encoded));
    try {
      ImageReader reader = pickReader(in, source);
      reader.setInput(in, true, true);
      return reader;
    } catch (IOException e) {
      throw cannotRead(source, e);
    }
  }

  private static DatasetException cannotRead(String source, IOException e) {
    return DatasetException.in(source)
        .problem("Cannot read image data")
        .received(e.toString())
        .cause(e)
        .build();
  }

  private static ImageReader pickReader(ImageInputStream in, String source) throws IOException {
    String refused = null;
    for (Iterator<ImageReader> it = ImageIO.getImageReaders(in); it.hasNext(); ) {
      ImageReader r = it.next();
      String format = r.getFormatName().toLowerCase(Locale.ROOT);
      if (FORMATS.contains(format)) {
        return r;
      }
      refused = format.toUpperCase(Locale.ROOT);
    }
    if (refused != null) {
      throw DatasetException.in(source)
          .problem("Image format is not supported")
          .received(refused)
          .expected("PNG, JPEG, BMP or GIF")
          .hint("convert the image to PNG.")
          .build();
    }
    throw DatasetException.in(source)
        .problem("Not an image")
        .received(describeStart(in))
        .expected("PNG, JPEG, BMP or GIF data")
        .hint(
            "convert it to PNG or remove it; an image folder can skip such files with "
                + "BadFilePolicy.SKIP.")
        .build();
  }

  /**
   * Refuses an image whose header declares more than {@link #MAX_SOURCE_PIXELS}, from its first
   * bytes ({@link ImageHeaders}), before any decoder sees it.
   */
  private static void checkDeclaredSize(byte[] encoded, String source) {
    long[] hw = ImageHeaders.declaredSize(encoded);
    if (hw != null && hw[0] * hw[1] > MAX_SOURCE_PIXELS) {
      throw tooManyPixels(source, hw[0], hw[1]);
    }
  }

  private static DatasetException tooManyPixels(String source, long h, long w) {
    return DatasetException.in(source)
        .problem("Image is too large")
        .received(h + " x " + w + " pixels (H x W)")
        .expected("at most " + MAX_SOURCE_PIXELS + " pixels")
        .hint("shrink the image before reading it.")
        .build();
  }

  private void checkSize(String source, int h, int w) {
    if ((long) h * w > MAX_SOURCE_PIXELS) {
      throw tooManyPixels(source, h, w);
    }
    if (!resize && (h != shape.height() || w != shape.width())) {
      throw DatasetException.in(source)
          .problem(
              sizeOrigin == null
                  ? "Image size differs from the model input"
                  : "Images have mixed sizes")
          .received(h + " x " + w + " (H x W)")
          .expected(
              shape.height()
                  + " x "
                  + shape.width()
                  + (sizeOrigin == null
                      ? ""
                      : ", the size of the first image '" + sizeOrigin + "'"))
          .hint("resize the images beforehand, or set the size and turn on the resize option.")
          .build();
    }
  }

  private static DatasetException corrupt(
      String source, ImageReader reader, String what, Throwable cause) {
    return DatasetException.in(source)
        .problem("Image cannot be decoded: corrupt, truncated or of an unsupported variant")
        .received(formatName(reader) + " data, " + what)
        .expected("a complete, valid " + formatName(reader) + " image")
        .hint("open the file in an image viewer; re-export or remove it.")
        .cause(cause)
        .build();
  }

  private static String formatName(ImageReader reader) {
    try {
      return reader.getFormatName().toUpperCase(Locale.ROOT);
    } catch (IOException e) {
      return "image";
    }
  }

  private static String describeStart(ImageInputStream in) {
    try {
      in.seek(0);
      byte[] head = new byte[8];
      int n = in.read(head);
      if (n <= 0) {
        return "empty data";
      }
      StringBuilder s = new StringBuilder("data starting with bytes");
      for (int i = 0; i < n; i++) {
        s.append(String.format(" %02x", head[i] & 0xFF));
      }
      return s.toString();
    } catch (IOException e) {
      return "unreadable data (" + e + ")";
    }
  }
}
