package org.sparkcnn.interop.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.sparkcnn.core.io.ModelInfo;
import org.sparkcnn.core.layers.AveragePooling2D;
import org.sparkcnn.core.layers.Conv2D;
import org.sparkcnn.core.layers.Dense;
import org.sparkcnn.core.layers.Dropout;
import org.sparkcnn.core.layers.Flatten;
import org.sparkcnn.core.layers.MaxPooling2D;
import org.sparkcnn.core.model.SeedModels;
import org.sparkcnn.core.model.Sequential;
import org.sparkcnn.core.tensor.Tensor;
import org.sparkcnn.interop.Fixtures;
import org.sparkcnn.interop.keras.KerasImporter;
import org.sparkcnn.interop.onnx.Onnx.ModelProto;
import org.sparkcnn.interop.onnx.Onnx.NodeProto;

/**
 * Every exported model runs in ONNX Runtime and gives our predictions on the same inputs, for float
 * inputs and for raw uint8 pixels rescaled inside the graph.
 */
class OnnxExportTest {
  private static final double TOLERANCE = 1e-5;
  private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

  static Sequential seedModel() {
    return SeedModels.fashionMnist().seed(3);
  }

  /** Stride 2, "same" padding, average pooling, dropout and a sigmoid output; odd sizes. */
  static Sequential stridedModel() {
    return new Sequential("strided")
        .add(new Conv2D(4, 3).strides(2).padding("same").activation("tanh").inputShape(11, 9, 3))
        .add(new AveragePooling2D(2).padding("same"))
        .add(new Conv2D(5, 2, 3).padding("same").activation("relu").useBias(false))
        .add(new MaxPooling2D(3).strides(1, 2).padding("same"))
        .add(new AveragePooling2D(2))
        .add(new Flatten())
        .add(new Dropout(0.5))
        .add(new Dense(6, "relu"))
        .add(new Dense(3, "sigmoid"))
        .seed(5);
  }

  private static byte[] pixels(Sequential m, int n, long seed) {
    byte[] p = new byte[n * m.inputShape().size()];
    new Random(seed).nextBytes(p);
    return p;
  }

  private static long[] shape(Sequential m, int n) {
    int[] d = m.inputShape().dims();
    return new long[] {n, d[0], d[1], d[2]};
  }

  /** ORT's output for the model exported from {@code m}, on x (float) or pixels (uint8). */
  private static float[] runOrt(ModelProto proto, Sequential m, int n, Object in)
      throws OrtException {
    try (OrtSession session = ENV.createSession(proto.toByteArray());
        OnnxTensor t =
            in instanceof float[] x
                ? OnnxTensor.createTensor(ENV, FloatBuffer.wrap(x), shape(m, n))
                : OnnxTensor.createTensor(
                    ENV, ByteBuffer.wrap((byte[]) in), shape(m, n), OnnxJavaType.UINT8);
        OrtSession.Result r =
            session.run(Map.of(in instanceof float[] ? OnnxExport.INPUT : OnnxExport.PIXELS, t))) {
      float[][] y = (float[][]) r.get(OnnxExport.OUTPUT).orElseThrow().getValue();
      float[] flat = new float[y.length * y[0].length];
      for (int i = 0; i < y.length; i++) {
        System.arraycopy(y[i], 0, flat, i * y[0].length, y[0].length);
      }
      return flat;
    }
  }

  private static void assertOrtMatches(Sequential m, String what) throws OrtException {
    int n = 5;
    double rescale = ModelInfo.UNIT_RANGE;
    byte[] pixels = pixels(m, n, 11);
    float[] x = new float[pixels.length];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) ((pixels[i] & 0xff) * rescale);
    }
    float[] ours =
        m.predict(
                new Tensor(
                    x,
                    n,
                    m.inputShape().dims()[0],
                    m.inputShape().dims()[1],
                    m.inputShape().dims()[2]),
                n)
            .data();
    double floatDiff =
        Fixtures.maxAbsDiff(ours, runOrt(OnnxExport.export(m, false, rescale), m, n, x));
    double pixelDiff =
        Fixtures.maxAbsDiff(ours, runOrt(OnnxExport.export(m, true, rescale), m, n, pixels));
    System.out.printf(
        "%s: max |ours - onnxruntime| float input %.3g, uint8 input %.3g%n",
        what, floatDiff, pixelDiff);
    assertTrue(floatDiff <= TOLERANCE, what + " float input: " + floatDiff);
    assertTrue(pixelDiff <= TOLERANCE, what + " uint8 input: " + pixelDiff);
  }

  @Test
  void seedModelRunsInOnnxRuntimeLikeOurs() throws OrtException {
    assertOrtMatches(seedModel(), "seed CNN");
  }

  @Test
  void strideSamePaddingPoolsDropoutAndSigmoidRunLikeOurs() throws OrtException {
    assertOrtMatches(stridedModel(), "strided model");
  }

  @Test
  void theImportedKerasModelRunsLikeOurs() throws OrtException, IOException {
    Sequential m = KerasImporter.read(Fixtures.keras3("all-layers.keras"), null).model();
    assertOrtMatches(m, "imported Keras model");
  }

  @Test
  void opsetNamesAndShapesFollowTheModel() {
    ModelProto p = OnnxExport.export(stridedModel(), true, 0.5);
    assertEquals(17, p.getOpsetImport(0).getVersion());
    List<String> nodes = p.getGraph().getNodeList().stream().map(NodeProto::getName).toList();
    assertTrue(
        nodes.containsAll(
            List.of(
                "pixels/cast",
                "conv2d",
                "conv2d/tanh",
                "average_pooling2d",
                "conv2d_1",
                "max_pooling2d",
                "flatten",
                "dropout",
                "dense",
                "dense_1",
                "dense_1/sigmoid")),
        nodes.toString());
    assertEquals("pixels", p.getGraph().getInput(0).getName());
    assertEquals(
        "N", p.getGraph().getInput(0).getType().getTensorType().getShape().getDim(0).getDimParam());
    assertEquals(
        List.of(4L, 3L, 3L, 3L),
        p.getGraph().getInitializerList().stream()
            .filter(t -> t.getName().equals("conv2d/kernel"))
            .findFirst()
            .orElseThrow()
            .getDimsList());
  }
}
