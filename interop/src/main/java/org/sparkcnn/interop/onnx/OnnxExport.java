package org.sparkcnn.interop.onnx;

import static org.sparkcnn.interop.onnx.OnnxGraph.integer;
import static org.sparkcnn.interop.onnx.OnnxGraph.ints;
import static org.sparkcnn.interop.onnx.OnnxGraph.list;

import java.util.Arrays;
import java.util.List;
import org.sparkcnn.core.activations.Activation;
import org.sparkcnn.core.errors.ErrorText;
import org.sparkcnn.core.layers.ActivationLayer;
import org.sparkcnn.core.layers.AveragePooling2D;
import org.sparkcnn.core.layers.Conv2D;
import org.sparkcnn.core.layers.Dense;
import org.sparkcnn.core.layers.Dropout;
import org.sparkcnn.core.layers.Flatten;
import org.sparkcnn.core.layers.Layer;
import org.sparkcnn.core.layers.MaxPooling2D;
import org.sparkcnn.core.layers.ParamSpec;
import org.sparkcnn.core.layers.Pooling2D;
import org.sparkcnn.core.model.Sequential;
import org.sparkcnn.core.tensor.Shape;
import org.sparkcnn.core.tensor.Window2D;
import org.sparkcnn.interop.onnx.Onnx.ModelProto;
import org.sparkcnn.interop.onnx.Onnx.OperatorSetIdProto;
import org.sparkcnn.interop.onnx.Onnx.TensorProto;

/**
 * A Sequential model as an ONNX model (opset {@value #OPSET}) that computes what {@link
 * Sequential#predict} computes.
 *
 * <p>Input {@value #INPUT}: float [N, H, W, C] in the model's input space (channels last, like ours
 * and Keras'); or, with {@code uint8Input}, input {@value #PIXELS}: uint8 [N, H, W, C] raw pixels,
 * cast and multiplied by the rescale inside the graph. Output {@value #OUTPUT}: [N, K], the last
 * layer's activations (class probabilities for a softmax or sigmoid output).
 *
 * <p>ONNX's Conv and pooling work on [N, C, H, W], so the graph transposes once after the input and
 * once before Flatten (Keras flattens in (H, W, C) order, which the Dense weights expect). Conv
 * kernels are stored as [F, C, KH, KW]; "same" padding becomes the explicit pads our {@link
 * Window2D} uses (the smaller half before). Pools exclude padding, as ONNX's MaxPool and
 * AveragePool (count_include_pad=0) do. Nodes and weights are named after the layers: {@code
 * conv2d}, {@code conv2d/relu}, {@code conv2d/kernel}.
 */
public final class OnnxExport {
  public static final int OPSET = 17;

  /** The IR version that goes with opset 17 (ONNX 1.12). */
  public static final int IR_VERSION = 8;

  public static final String INPUT = "input";
  public static final String PIXELS = "pixels";
  public static final String OUTPUT = "probabilities";

  private static final int[] TO_NCHW = {0, 3, 1, 2};
  private static final int[] TO_NHWC = {0, 2, 3, 1};

  private OnnxExport() {}

  /**
   * @param rescale the model input per uint8 unit, used when {@code uint8Input}
   */
  public static ModelProto export(Sequential model, boolean uint8Input, double rescale) {
    OnnxGraph g = new OnnxGraph(model.name());
    int[] in = model.inputShape().dims();
    String x;
    if (uint8Input) {
      g.input(PIXELS, TensorProto.DataType.UINT8_VALUE, "N", in);
      String cast =
          g.node(
              "Cast",
              "pixels/cast",
              list(PIXELS),
              "pixels/float",
              integer("to", TensorProto.DataType.FLOAT_VALUE));
      String scale = g.initializer("pixels/rescale", new int[0], new float[] {(float) rescale});
      x = g.node("Mul", "pixels/rescale", list(cast, scale), INPUT);
    } else {
      g.input(INPUT, TensorProto.DataType.FLOAT_VALUE, "N", in);
      x = INPUT;
    }
    boolean nchw = false;
    if (in.length == 3) {
      x = g.node("Transpose", "input/to_nchw", list(x), "input/nchw", ints("perm", TO_NCHW));
      nchw = true;
    }
    float[] params = model.parameters();
    for (Layer l : model.layers()) {
      String name = l.name();
      int offset = model.offsetOf(l);
      if (l instanceof Conv2D conv) {
        x = conv(g, conv, x, params, offset);
      } else if (l instanceof MaxPooling2D || l instanceof AveragePooling2D) {
        Window2D w = ((Pooling2D<?>) l).window();
        x =
            g.node(
                l instanceof MaxPooling2D ? "MaxPool" : "AveragePool",
                name,
                list(x),
                name,
                ints("kernel_shape", w.kernelH(), w.kernelW()),
                ints("strides", w.strideH(), w.strideW()),
                ints("pads", pads(w)));
      } else if (l instanceof Flatten) {
        if (nchw) {
          x =
              g.node(
                  "Transpose", name + "/to_nhwc", list(x), name + "/nhwc", ints("perm", TO_NHWC));
          nchw = false;
        }
        x = g.node("Flatten", name, list(x), name, integer("axis", 1));
      } else if (l instanceof Dense dense) {
        x = dense(g, dense, x, params, offset);
      } else if (l instanceof Dropout) {
        x = g.node("Identity", name, list(x), name);
      } else if (!(l instanceof ActivationLayer)) {
        throw ErrorText.problem("unsupported layer")
            .in("ONNX export")
            .received(l.kerasClassName() + " '" + name + "'")
            .expected(
                "Conv2D, MaxPooling2D, AveragePooling2D, Flatten, Dense, Dropout or Activation")
            .illegalArgument();
      }
      x = activation(g, l.activation(), name, x, nchw);
    }
    Shape out = model.outputShape();
    if (nchw) {
      x = g.node("Transpose", "output/to_nhwc", list(x), "output/nhwc", ints("perm", TO_NHWC));
    }
    x = g.node("Identity", "output", list(x), OUTPUT);
    g.output(OUTPUT, TensorProto.DataType.FLOAT_VALUE, "N", out.dims());
    return ModelProto.newBuilder()
        .setIrVersion(IR_VERSION)
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
        .setProducerName("spark-cnn")
        .setDocString(model.describe() + ", " + model.paramCount() + " parameters")
        .setGraph(g.build())
        .build();
  }

  private static String conv(OnnxGraph g, Conv2D conv, String x, float[] params, int offset) {
    String name = conv.name();
    Window2D w = conv.window();
    List<ParamSpec> p = conv.params();
    int kh = w.kernelH();
    int kw = w.kernelW();
    int c = w.channels();
    int f = conv.filters();
    // Ours: [KH, KW, C, F]; ONNX: [F, C, KH, KW].
    float[] oihw = new float[f * c * kh * kw];
    int base = offset + p.get(0).offset();
    for (int i = 0; i < kh; i++) {
      for (int j = 0; j < kw; j++) {
        for (int ci = 0; ci < c; ci++) {
          for (int fi = 0; fi < f; fi++) {
            oihw[((fi * c + ci) * kh + i) * kw + j] =
                params[base + ((i * kw + j) * c + ci) * f + fi];
          }
        }
      }
    }
    List<String> inputs = list(x, g.initializer(name + "/kernel", new int[] {f, c, kh, kw}, oihw));
    if (p.size() > 1) {
      inputs.add(bias(g, name, p.get(1), params, offset));
    }
    return g.node(
        "Conv",
        name,
        inputs,
        name + (conv.activation() == Activation.LINEAR ? "" : "/linear"),
        ints("kernel_shape", kh, kw),
        ints("strides", w.strideH(), w.strideW()),
        ints("pads", pads(w)));
  }

  private static String dense(OnnxGraph g, Dense dense, String x, float[] params, int offset) {
    String name = dense.name();
    List<ParamSpec> p = dense.params();
    ParamSpec k = p.get(0);
    int base = offset + k.offset();
    List<String> inputs =
        list(
            x,
            g.initializer(
                name + "/kernel", k.shape(), Arrays.copyOfRange(params, base, base + k.size())));
    if (p.size() > 1) {
      inputs.add(bias(g, name, p.get(1), params, offset));
    }
    return g.node(
        "Gemm", name, inputs, name + (dense.activation() == Activation.LINEAR ? "" : "/linear"));
  }

  private static String bias(OnnxGraph g, String layer, ParamSpec b, float[] params, int offset) {
    int base = offset + b.offset();
    return g.initializer(
        layer + "/bias", b.shape(), Arrays.copyOfRange(params, base, base + b.size()));
  }

  /** The layer's activation as a node whose output carries the layer's name. */
  private static String activation(
      OnnxGraph g, Activation a, String layer, String x, boolean nchw) {
    String node = layer + "/" + a.kerasName();
    return switch (a) {
      case LINEAR -> x;
      case RELU -> g.node("Relu", node, list(x), layer);
      case SIGMOID -> g.node("Sigmoid", node, list(x), layer);
      case TANH -> g.node("Tanh", node, list(x), layer);
      // Keras' softmax runs over the last axis: channels, which is axis 1 in NCHW.
      case SOFTMAX -> g.node("Softmax", node, list(x), layer, integer("axis", nchw ? 1 : -1));
    };
  }

  /** [top, left, bottom, right]: ours before, and what "same" needs after. */
  private static int[] pads(Window2D w) {
    int bottom = Math.max((w.outH() - 1) * w.strideH() + w.kernelH() - w.inH() - w.padTop(), 0);
    int right = Math.max((w.outW() - 1) * w.strideW() + w.kernelW() - w.inW() - w.padLeft(), 0);
    return new int[] {w.padTop(), w.padLeft(), bottom, right};
  }
}
