package org.sparkcnn.spark.data;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntPredicate;
import java.util.function.IntUnaryOperator;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.sparkcnn.datasets.DatasetException;
import org.sparkcnn.datasets.ImageDecoder;

/**
 * Reads the image and label of a DataFrame row into uint8 pixels (H, W, C) and a class index, after
 * checking the column types once against the schema. The image column may hold:
 *
 * <ul>
 *   <li>{@code binary}: encoded PNG, JPEG, BMP or GIF bytes, decoded at exactly the model's size
 *       (see {@link ImageDecoder}).
 *   <li>{@code array<int|long|short|byte>}: raw pixels 0..255, flattened (H, W, C) channels-last.
 *   <li>{@code array<float|double>}: model inputs, flattened (H, W, C); each value v must be a
 *       pixel times the model's rescale, v = k * rescale with k in 0..255 (with rescale 1/255:
 *       multiples of 1/255 in [0, 1]). Such values are stored as the byte k, which is lossless; any
 *       other value (0.5 with rescale 1/255, a normalised -0.42, NaN) is an error naming the row,
 *       because the compact cache holds one byte per pixel.
 *   <li>Spark's image struct ({@code origin, height, width, nChannels, mode, data}, as {@code
 *       spark.read.format("image")} writes it): data is row-major BGR(A) bytes; its height and
 *       width must be the model's, 1 channel for a 1-channel model, 1, 3 or 4 channels for a
 *       3-channel model (gray replicated, BGR reordered to RGB, alpha dropped).
 * </ul>
 *
 * <p>Labels: any integer column, or a float/double column holding whole numbers (Spark ML's
 * convention), in [0, classes). Nulls, NaN and out-of-range values are errors naming the row. Row
 * numbers in errors are global, counting from 0 in the DataFrame's order.
 */
public final class ImageColumns implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final List<String> IMAGE_STRUCT_FIELDS =
      List.of("origin", "height", "width", "nChannels", "mode", "data");

  /** How the image column stores an image. */
  public enum Kind {
    BINARY,
    INT_ARRAY,
    FLOAT_ARRAY,
    IMAGE_STRUCT
  }

  private final String imageCol;
  private final String labelCol;
  private final int imageIndex;
  private final int labelIndex;
  private final Kind kind;
  private final DataType elementType;
  private final DataType labelType;
  private final ModelInput input;
  // Image struct only: the number of struct fields and where origin, height, width, nChannels
  // and data are among them (the struct may hold more fields, in any order).
  private final StructType struct;
  private final int structSize;
  private final int[] structIndex;
  // Where image errors say the image came from.
  private String imageSource;

  private ImageColumns(
      String imageCol,
      String labelCol,
      int imageIndex,
      int labelIndex,
      Kind kind,
      DataType elementType,
      DataType labelType,
      ModelInput input,
      StructType struct) {
    this.imageCol = imageCol;
    this.labelCol = labelCol;
    this.imageIndex = imageIndex;
    this.labelIndex = labelIndex;
    this.kind = kind;
    this.elementType = elementType;
    this.labelType = labelType;
    this.input = input;
    this.struct = struct;
    this.structSize = struct == null ? 0 : struct.size();
    this.structIndex = struct == null ? null : structIndex(struct);
    this.imageSource = "DataFrame column " + imageCol;
  }

  private static int[] structIndex(StructType struct) {
    int[] at = new int[STRUCT_FIELDS];
    for (int f = 0; f < STRUCT_FIELDS; f++) {
      at[f] = struct.fieldIndex(IMAGE_STRUCT_FIELDS.get(f == DATA ? 5 : f));
    }
    return at;
  }

  // Positions in structIndex; the first four are also those of IMAGE_STRUCT_FIELDS.
  private static final int ORIGIN = 0;
  private static final int HEIGHT = 1;
  private static final int WIDTH = 2;
  private static final int CHANNELS = 3;
  private static final int DATA = 4;
  private static final int STRUCT_FIELDS = 5;

  /**
   * Checks the schema: the image column exists and has a supported type; the label column (null for
   * scoring) exists and is numeric. Fails before any job runs.
   */
  public static ImageColumns of(
      StructType schema, String imageCol, String labelCol, ModelInput input) {
    int imageIndex = fieldIndex(schema, imageCol, "image");
    DataType type = schema.fields()[imageIndex].dataType();
    Kind kind;
    DataType element = null;
    if (type instanceof BinaryType) {
      kind = Kind.BINARY;
    } else if (type instanceof ArrayType a && isInteger(a.elementType())) {
      kind = Kind.INT_ARRAY;
      element = a.elementType();
    } else if (type instanceof ArrayType a
        && (a.elementType() instanceof FloatType || a.elementType() instanceof DoubleType)) {
      kind = Kind.FLOAT_ARRAY;
      element = a.elementType();
    } else if (type instanceof StructType s
        && Arrays.asList(s.fieldNames()).containsAll(IMAGE_STRUCT_FIELDS)) {
      kind = Kind.IMAGE_STRUCT;
    } else {
      throw DatasetException.in("DataFrame column " + imageCol)
          .problem("Image column has an unsupported type")
          .received(type.simpleString())
          .expected(
              "binary (encoded PNG/JPEG), array<int|float|double> (flattened height x "
                  + "width x channels = "
                  + input.imageSize()
                  + " values), or Spark's image struct "
                  + "(origin, height, width, nChannels, mode, data)")
          .hint("choose the column with image_col (imageCol in Spark ML).")
          .build();
    }
    int labelIndex = -1;
    DataType labelType = null;
    if (labelCol != null) {
      labelIndex = fieldIndex(schema, labelCol, "label");
      labelType = schema.fields()[labelIndex].dataType();
      if (!isInteger(labelType)
          && !(labelType instanceof FloatType)
          && !(labelType instanceof DoubleType)) {
        throw DatasetException.in("DataFrame column " + labelCol)
            .problem("Label column has an unsupported type")
            .received(labelType.simpleString())
            .expected("an integer (or whole double) column holding " + input.labelRangeText())
            .hint("map class names to indices first, e.g. with Spark ML's StringIndexer.")
            .build();
      }
    }
    return new ImageColumns(
        imageCol,
        labelCol,
        imageIndex,
        labelIndex,
        kind,
        element,
        labelType,
        input,
        kind == Kind.IMAGE_STRUCT ? (StructType) type : null);
  }

  /**
   * The same columns with image errors naming {@code source} (e.g. "SQL function argument") instead
   * of the DataFrame column, for a column the user did not name.
   */
  public ImageColumns withImageSource(String source) {
    ImageColumns c =
        new ImageColumns(
            imageCol,
            labelCol,
            imageIndex,
            labelIndex,
            kind,
            elementType,
            labelType,
            input,
            struct);
    c.imageSource = source;
    return c;
  }

  public Kind kind() {
    return kind;
  }

  public ModelInput input() {
    return input;
  }

  /**
   * Writes row {@code row}'s image as uint8 pixels into {@code dest[offset .. offset + H*W*C)}.
   *
   * @param rowId the row's global number, for errors
   */
  public void decodeImage(Row row, long rowId, byte[] dest, int offset) {
    decodeImage(row, "row " + rowId, dest, offset);
  }

  /**
   * As {@link #decodeImage(Row, long, byte[], int)}, with errors naming the row as {@code entry}
   * (e.g. "partition 3, row 17" when scoring, where rows have no global number).
   */
  public void decodeImage(Row row, Object entry, byte[] dest, int offset) {
    if (row.isNullAt(imageIndex)) {
      throw nullImage(entry);
    }
    switch (kind) {
      case BINARY ->
          decoder()
              .decodeInto((byte[]) row.get(imageIndex), imageSource + ", " + entry, dest, offset);
      case INT_ARRAY -> intArray(row.getList(imageIndex), entry, dest, offset);
      case FLOAT_ARRAY -> floatArray(row.get(imageIndex), row, entry, dest, offset);
      case IMAGE_STRUCT -> imageStruct(row.getStruct(imageIndex), entry, dest, offset);
      default -> throw new IllegalStateException("unknown image kind " + kind);
    }
  }

  /**
   * As {@link #decodeImage(Row, Object, byte[], int)} for a row in Spark's internal format (the
   * rows of {@code queryExecution().toRdd()}), read without converting it to a {@link Row}: the
   * same rules and the same errors. {@code entry} names the row in errors; its {@code toString()}
   * is only called when there is one.
   */
  public void decodeImage(InternalRow row, Object entry, byte[] dest, int offset) {
    if (row.isNullAt(imageIndex)) {
      throw nullImage(entry);
    }
    switch (kind) {
      case BINARY ->
          decoder().decodeInto(row.getBinary(imageIndex), imageSource + ", " + entry, dest, offset);
      case INT_ARRAY -> intArray(row.getArray(imageIndex), entry, dest, offset);
      case FLOAT_ARRAY -> floatArray(row.getArray(imageIndex), entry, dest, offset);
      case IMAGE_STRUCT -> {
        InternalRow s = row.getStruct(imageIndex, structSize);
        int[] at = structIndex;
        imageStruct(
            s::isNullAt,
            s::getInt,
            at,
            s.isNullAt(at[ORIGIN]) ? null : s.getUTF8String(at[ORIGIN]),
            s.isNullAt(at[DATA]) ? null : s.getBinary(at[DATA]),
            entry,
            dest,
            offset);
      }
      default -> throw new IllegalStateException("unknown image kind " + kind);
    }
  }

  private DatasetException nullImage(Object entry) {
    return imageError(entry, "Image is null")
        .received("null")
        .expected("an image of " + input.shapeText())
        .hint("drop or fill rows with missing images first.")
        .build();
  }

  /** Row {@code row}'s label, checked against the model's classes. */
  public int label(Row row, long rowId) {
    if (labelIndex < 0) {
      throw new IllegalStateException("no label column was given");
    }
    if (row.isNullAt(labelIndex)) {
      throw error(labelCol, "row " + rowId, "Label is null")
          .received("null")
          .expected(input.labelRangeText())
          .build();
    }
    Object v = row.get(labelIndex);
    double d = ((Number) v).doubleValue();
    if (!(d >= 0 && d < input.classes() && d == Math.rint(d))) {
      throw error(labelCol, "row " + rowId, "Label out of range")
          .received(String.valueOf(v))
          .expected(input.labelRangeText())
          .hint("the data has more classes than the model outputs, or labels are not 0-based.")
          .build();
    }
    return (int) d;
  }

  private transient ImageDecoder decoder;

  private ImageDecoder decoder() {
    if (decoder == null) {
      decoder = ImageDecoder.exact(input.height(), input.width(), input.channels());
    }
    return decoder;
  }

  private void intArray(List<Object> values, Object entry, byte[] dest, int offset) {
    checkLength(values.size(), entry);
    for (int i = 0; i < values.size(); i++) {
      Object o = values.get(i);
      dest[offset + i] = intPixel(o == null ? -1 : ((Number) o).longValue(), o, i, entry);
    }
  }

  private void intArray(ArrayData values, Object entry, byte[] dest, int offset) {
    checkLength(values.numElements(), entry);
    for (int i = 0; i < values.numElements(); i++) {
      if (values.isNullAt(i)) {
        dest[offset + i] = intPixel(-1, null, i, entry);
        continue;
      }
      long v;
      if (elementType instanceof IntegerType) {
        v = values.getInt(i);
      } else if (elementType instanceof LongType) {
        v = values.getLong(i);
      } else if (elementType instanceof ShortType) {
        v = values.getShort(i);
      } else {
        v = values.getByte(i);
      }
      dest[offset + i] = intPixel(v, v, i, entry);
    }
  }

  /** The raw pixel v, or the error naming the element ({@code shown}: null for a null). */
  private byte intPixel(long v, Object shown, int i, Object entry) {
    if (shown == null || v < 0 || v > 255) {
      throw imageError(entry, "Pixel value out of range")
          .received(shown + " at index " + i + " (" + elementType.simpleString() + ")")
          .expected("raw pixel values 0..255")
          .hint("an array<int> image holds raw pixels; scale floats into a float array.")
          .build();
    }
    return (byte) v;
  }

  private void floatArray(ArrayData values, Object entry, byte[] dest, int offset) {
    checkLength(values.numElements(), entry);
    boolean floats = elementType instanceof FloatType;
    for (int i = 0; i < values.numElements(); i++) {
      if (values.isNullAt(i)) {
        dest[offset + i] = floatPixel(Double.NaN, null, i, entry);
      } else if (floats) {
        float v = values.getFloat(i);
        dest[offset + i] = floatPixel(v, v, i, entry);
      } else {
        double v = values.getDouble(i);
        dest[offset + i] = floatPixel(v, v, i, entry);
      }
    }
  }

  /**
   * A float/double array: read from the array under Spark's Scala sequence when there is one (a
   * primitive float[] or double[], or boxed values), else through {@code Row.getList}, which boxes
   * and wraps every element: the fast path matters when scoring at kernel speed.
   */
  private void floatArray(Object value, Row row, Object entry, byte[] dest, int offset) {
    Object array = null;
    if (value instanceof scala.collection.mutable.ArraySeq<?> seq) {
      array = seq.array();
    } else if (value instanceof scala.collection.immutable.ArraySeq<?> seq) {
      array = seq.unsafeArray();
    }
    if (array instanceof float[] floats) {
      checkLength(floats.length, entry);
      for (int i = 0; i < floats.length; i++) {
        dest[offset + i] = floatPixel(floats[i], floats[i], i, entry);
      }
    } else if (array instanceof double[] doubles) {
      checkLength(doubles.length, entry);
      for (int i = 0; i < doubles.length; i++) {
        dest[offset + i] = floatPixel(doubles[i], doubles[i], i, entry);
      }
    } else if (array instanceof Object[] boxed) {
      checkLength(boxed.length, entry);
      for (int i = 0; i < boxed.length; i++) {
        Object o = boxed[i];
        dest[offset + i] =
            floatPixel(o == null ? Double.NaN : ((Number) o).doubleValue(), o, i, entry);
      }
    } else {
      List<Object> values = row.getList(imageIndex);
      checkLength(values.size(), entry);
      for (int i = 0; i < values.size(); i++) {
        Object o = values.get(i);
        dest[offset + i] =
            floatPixel(o == null ? Double.NaN : ((Number) o).doubleValue(), o, i, entry);
      }
    }
  }

  /** The pixel k of a float input v = k * rescale, or the error naming the element. */
  private byte floatPixel(double v, Object shown, int i, Object entry) {
    double rescale = input.rescale();
    // In pixel units: a float32 k/255 is within float rounding (~2e-5 at k = 255) of k.
    double tolerance = elementType instanceof FloatType ? 1e-3 : 1e-6;
    double k = Math.rint(v / rescale);
    if (!(k >= 0 && k <= 255 && Math.abs(v / rescale - k) <= tolerance)) {
      throw imageError(entry, "Image value is not a pixel times the model's rescale")
          .received(shown + " at index " + i + " (" + elementType.simpleString() + ")")
          .expected(
              "k * "
                  + rescale
                  + " for an integer k in 0..255 (rescale 1/255: "
                  + "multiples of 1/255 in [0, 1])")
          .hint(
              "pass raw pixels 0..255 as array<int>, or set rescale to the factor your "
                  + "floats were scaled by; normalised (mean/std) inputs are not supported.")
          .build();
    }
    return (byte) (int) k;
  }

  private void imageStruct(Row image, Object entry, byte[] dest, int offset) {
    // A Row carries its own schema (a SQL function sees structs of any field order).
    int[] at = image.schema() == null ? structIndex : structIndex(image.schema());
    imageStruct(
        image::isNullAt,
        image::getInt,
        at,
        image.isNullAt(at[ORIGIN]) ? null : image.getString(at[ORIGIN]),
        (byte[]) image.get(at[DATA]),
        entry,
        dest,
        offset);
  }

  /**
   * The image struct's checks and pixels, whichever row format it came from.
   *
   * @param isNullAt whether the struct's field at an index is null
   * @param intAt the struct's int field at an index
   * @param at the indexes of the fields (HEIGHT, WIDTH, CHANNELS, ...) in the struct
   * @param originValue the origin (a String or UTF8String), or null; only shown in errors
   */
  private void imageStruct(
      IntPredicate isNullAt,
      IntUnaryOperator intAt,
      int[] at,
      Object originValue,
      byte[] data,
      Object entry,
      byte[] dest,
      int offset) {
    String nullField =
        isNullAt.test(at[HEIGHT])
            ? "height"
            : isNullAt.test(at[WIDTH]) ? "width" : isNullAt.test(at[CHANNELS]) ? "nChannels" : null;
    if (nullField != null) {
      throw imageError(entry, "Image struct field is null")
          .received(nullField + " = null")
          .expected(
              "height, width and nChannels of the image, as spark.read.format(\"image\")"
                  + " writes them")
          .hint("the struct was built by hand or the image failed to load; drop such rows.")
          .build();
    }
    int h = intAt.applyAsInt(at[HEIGHT]);
    int w = intAt.applyAsInt(at[WIDTH]);
    int n = intAt.applyAsInt(at[CHANNELS]);
    int c = input.channels();
    boolean sizeOk = h == input.height() && w == input.width();
    boolean channelsOk = c == 1 ? n == 1 : c == 3 && (n == 1 || n == 3 || n == 4);
    String origin =
        sizeOk && channelsOk && data != null && data.length == h * w * n
            ? ""
            : originValue == null ? "" : " (origin " + originValue + ")";
    if (!sizeOk) {
      throw imageError(entry, "Image size differs from the model input")
          .received(h + " x " + w + " (H x W)" + origin)
          .expected(input.height() + " x " + input.width())
          .hint("resize the images before training; the model's input size is fixed.")
          .build();
    }
    if (!channelsOk) {
      throw imageError(entry, "Image channels do not fit the model input")
          .received(n + " channels" + origin)
          .expected(c == 1 ? "1 channel (grayscale)" : "1, 3 or 4 channels for an RGB model")
          .hint("convert the images to " + (c == 1 ? "grayscale" : "RGB") + " first.")
          .build();
    }
    if (data == null || data.length != h * w * n) {
      throw imageError(entry, "Image struct data has the wrong length")
          .received((data == null ? "null" : data.length + " bytes") + origin)
          .expected(h + " x " + w + " x " + n + " = " + (h * w * n) + " bytes")
          .build();
    }
    for (int p = 0; p < h * w; p++) {
      if (c == 1) {
        dest[offset + p] = data[p];
      } else if (n == 1) {
        dest[offset + 3 * p] = dest[offset + 3 * p + 1] = dest[offset + 3 * p + 2] = data[p];
      } else {
        // Spark's image struct stores BGR(A), as OpenCV does; the model wants RGB.
        dest[offset + 3 * p] = data[n * p + 2];
        dest[offset + 3 * p + 1] = data[n * p + 1];
        dest[offset + 3 * p + 2] = data[n * p];
      }
    }
  }

  private void checkLength(int length, Object entry) {
    if (length != input.imageSize()) {
      throw imageError(entry, "Image array has the wrong length")
          .received(length + " values")
          .expected(
              input.imageSize()
                  + " values: the model input "
                  + input.shapeText()
                  + ", flattened channels-last")
          .hint("the images were made for another model, or flattened at another size.")
          .build();
    }
  }

  private DatasetException.Builder imageError(Object entry, String problem) {
    return DatasetException.in(imageSource).at(String.valueOf(entry)).problem(problem);
  }

  private static DatasetException.Builder error(String column, Object entry, String problem) {
    return DatasetException.in("DataFrame column " + column)
        .at(String.valueOf(entry))
        .problem(problem);
  }

  private static boolean isInteger(DataType t) {
    return t instanceof IntegerType
        || t instanceof LongType
        || t instanceof ShortType
        || t instanceof ByteType;
  }

  private static int fieldIndex(StructType schema, String column, String role) {
    for (int i = 0; i < schema.fields().length; i++) {
      if (schema.fields()[i].name().equals(column)) {
        return i;
      }
    }
    StringBuilder present = new StringBuilder();
    for (StructField f : schema.fields()) {
      present
          .append(present.length() == 0 ? "" : ", ")
          .append(f.name())
          .append(' ')
          .append(f.dataType().simpleString());
    }
    throw DatasetException.in("DataFrame")
        .problem("The " + role + " column is missing")
        .received(
            "no column '" + column + "'; columns: " + (present.length() == 0 ? "none" : present))
        .expected("a column '" + column + "' holding the " + role + "s")
        .hint(
            "name the column with "
                + role
                + "_col in the job config ("
                + role
                + "Col in Spark ML).")
        .build();
  }
}
