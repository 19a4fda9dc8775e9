package org.sparkcnn.spark.ml;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.image.ImageSchema;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.sparkcnn.core.model.Sequential;
import org.sparkcnn.datasets.DatasetException;
import org.sparkcnn.spark.data.ImageColumns;
import org.sparkcnn.spark.data.ModelInput;
import scala.collection.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * One of the SQL functions of {@link CnnFunctions}: scores the image value Spark passes (byte[] for
 * binary, a Scala Seq for arrays, a Row for the image struct; the column type is only known per
 * value) and returns one of the outputs. Untyped (Object in, Object out) so one function accepts
 * every image column type.
 */
final class ImageUdf implements UDF1<Object, Object> {
  private static final long serialVersionUID = 1L;

  enum Output {
    PREDICTION,
    PROBABILITY,
    RAW_PREDICTION,
    LABEL,
    ERROR
  }

  /**
   * A registered model: the weights are broadcast; the rest travels with each task.
   *
   * @param key unique per registration; tells the per-thread memo which model it holds
   * @param kind how the outputs become the functions' values
   */
  record Model(
      String key,
      String spec,
      ModelInput input,
      String[] classNames,
      Broadcast<float[]> weights,
      OutputKind kind)
      implements Serializable {}

  private final Model model;
  private final Output output;
  // The per-JVM network and decoders per column type, looked up on first use in each task.
  private transient Sequential net;
  private transient ImageColumns binary;
  private transient ImageColumns ints;
  private transient ImageColumns floats;
  private transient ImageColumns doubles;
  private transient ImageColumns struct;

  ImageUdf(Model model, Output output) {
    this.model = model;
    this.output = output;
  }

  @Override
  public Object call(Object image) {
    Memo m = Memo.PER_THREAD.get();
    String error = score(image, m);
    if (output == Output.ERROR) {
      return error;
    }
    if (error != null) {
      return null;
    }
    OutputKind kind = model.kind();
    int outputs = m.out.length;
    return switch (output) {
      case PREDICTION ->
          kind == OutputKind.MULTI_LABEL
              ? OutputKind.asDoubles(kind.predictions(m.out, 0, outputs))
              : (Object) (double) m.best;
      case LABEL -> kind == OutputKind.MULTI_LABEL ? labels(m) : model.classNames()[m.best];
      case PROBABILITY -> vector(m.out, false, outputs);
      case RAW_PREDICTION -> vector(m.logits, true, outputs);
      default -> throw new IllegalStateException("unknown output " + output);
    };
  }

  /** The names of the labels a multi-label model predicts 1, in label order. */
  private String[] labels(Memo m) {
    int[] predicted = model.kind().predictions(m.out, 0, m.out.length);
    String[] chosen = new String[OutputKind.positives(predicted)];
    int j = 0;
    for (int c = 0; c < predicted.length; c++) {
      if (predicted[c] == 1) {
        chosen[j++] = model.classNames()[c];
      }
    }
    return chosen;
  }

  /** The probability ({@code raw} false) or rawPrediction values, as the batched path's. */
  private float[] vector(float[] values, boolean raw, int outputs) {
    OutputKind kind = model.kind();
    double[] v = new double[kind.width(outputs)];
    if (raw) {
      kind.raw(values, 0, outputs, v);
    } else {
      kind.probability(values, 0, outputs, v);
    }
    float[] f = new float[v.length];
    for (int c = 0; c < v.length; c++) {
      f[c] = (float) v[c];
    }
    return f;
  }

  /**
   * Scores the image into {@code m} (m.out, m.best), unless it is the image m holds already;
   * returns null, or the problem with the image.
   */
  private String score(Object image, Memo m) {
    ModelInput in = model.input();
    if (m.pixels == null || m.pixels.length != in.imageSize()) {
      m.pixels = new byte[in.imageSize()];
      m.scored = new byte[in.imageSize()];
      m.x = new float[in.imageSize()];
      m.out = new float[in.classes()];
      m.logits = new float[in.classes()];
      m.key = null;
    }
    try {
      if (image == null) {
        // The same text as a null image in a scored DataFrame.
        throw DatasetException.in("SQL function argument")
            .problem("Image is null")
            .received("null")
            .expected("an image of " + in.shapeText())
            .build();
      }
      columnsFor(image).decodeImage(RowFactory.create(image), "SQL function argument", m.pixels, 0);
    } catch (RuntimeException e) {
      m.key = null;
      return e instanceof DatasetException ? e.getMessage() : e.toString();
    }
    if (model.key().equals(m.key) && Arrays.equals(m.pixels, m.scored)) {
      return null;
    }
    float scale = (float) in.rescale();
    for (int k = 0; k < m.pixels.length; k++) {
      m.x[k] = (m.pixels[k] & 0xFF) * scale;
    }
    if (net == null) {
      net = ScoringModels.get(model.spec());
    }
    net.predictBatch(model.weights().value(), m.x, 1, m.logits, m.out);
    m.best =
        model.kind() == OutputKind.MULTI_LABEL
            ? -1
            : model.kind().prediction(m.out, 0, m.out.length);
    System.arraycopy(m.pixels, 0, m.scored, 0, m.pixels.length);
    m.key = model.key();
    return null;
  }

  /** The decoder for the value's runtime type (the SQL argument's column type). */
  private ImageColumns columnsFor(Object image) {
    if (image instanceof byte[]) {
      if (binary == null) {
        binary = columns(DataTypes.BinaryType);
      }
      return binary;
    }
    if (image instanceof Row) {
      if (struct == null) {
        struct = columns(ImageSchema.columnSchema());
      }
      return struct;
    }
    if (image instanceof Seq<?> seq) {
      Object first = null;
      List<?> values = CollectionConverters.asJava(seq);
      for (int i = 0; i < values.size() && first == null; i++) {
        first = values.get(i);
      }
      if (first instanceof Float) {
        if (floats == null) {
          floats = columns(DataTypes.createArrayType(DataTypes.FloatType));
        }
        return floats;
      }
      if (first instanceof Double) {
        if (doubles == null) {
          doubles = columns(DataTypes.createArrayType(DataTypes.DoubleType));
        }
        return doubles;
      }
      if (ints == null) {
        ints = columns(DataTypes.createArrayType(DataTypes.IntegerType));
      }
      return ints;
    }
    throw DatasetException.in("SQL function argument")
        .problem("Unsupported image type")
        .received(image.getClass().getName())
        .expected("binary (PNG/JPEG), array<int|float|double> or Spark's image struct")
        .build();
  }

  private ImageColumns columns(DataType type) {
    return ImageColumns.of(new StructType().add("image", type), "image", null, model.input());
  }

  /** The last image a thread scored, with its outputs, and the thread's buffers. */
  private static final class Memo {
    static final ThreadLocal<Memo> PER_THREAD = ThreadLocal.withInitial(Memo::new);
    String key;
    byte[] pixels;
    byte[] scored;
    float[] x;
    float[] out;
    float[] logits;
    int best;
  }
}
