package org.sparkcnn.interop.onnx;

import java.util.ArrayList;
import java.util.List;
import org.sparkcnn.interop.onnx.Onnx.AttributeProto;
import org.sparkcnn.interop.onnx.Onnx.GraphProto;
import org.sparkcnn.interop.onnx.Onnx.NodeProto;
import org.sparkcnn.interop.onnx.Onnx.TensorProto;
import org.sparkcnn.interop.onnx.Onnx.TensorShapeProto;
import org.sparkcnn.interop.onnx.Onnx.TypeProto;
import org.sparkcnn.interop.onnx.Onnx.ValueInfoProto;

/**
 * A small builder over the generated ONNX messages: nodes with typed attributes, float
 * initializers, and value infos. Every byte of the file is written by protobuf-java.
 */
final class OnnxGraph {
  private final GraphProto.Builder graph = GraphProto.newBuilder();

  OnnxGraph(String name) {
    graph.setName(name);
  }

  /** Adds a node {@code name} of operator {@code op}; returns its (single) output's name. */
  String node(String op, String name, List<String> inputs, String output, AttributeProto... attrs) {
    NodeProto.Builder n =
        NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(inputs).addOutput(output);
    for (AttributeProto a : attrs) {
      n.addAttribute(a);
    }
    graph.addNode(n);
    return output;
  }

  /** A float32 constant tensor stored in the graph (weights, scalars). */
  String initializer(String name, int[] dims, float[] values) {
    TensorProto.Builder t =
        TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE);
    for (int d : dims) {
      t.addDims(d);
    }
    for (float v : values) {
      t.addFloatData(v);
    }
    graph.addInitializer(t);
    return name;
  }

  void input(String name, int elemType, String batchName, int... dims) {
    graph.addInput(valueInfo(name, elemType, batchName, dims));
  }

  void output(String name, int elemType, String batchName, int... dims) {
    graph.addOutput(valueInfo(name, elemType, batchName, dims));
  }

  GraphProto build() {
    return graph.build();
  }

  static AttributeProto ints(String name, int... values) {
    AttributeProto.Builder a =
        AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
    for (int v : values) {
      a.addInts(v);
    }
    return a.build();
  }

  static AttributeProto integer(String name, long value) {
    return AttributeProto.newBuilder()
        .setName(name)
        .setType(AttributeProto.AttributeType.INT)
        .setI(value)
        .build();
  }

  /** [N, d...] with N symbolic: any batch size. */
  private static ValueInfoProto valueInfo(String name, int elemType, String batch, int... dims) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
    shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(batch));
    for (int d : dims) {
      shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
    }
    TypeProto type =
        TypeProto.newBuilder()
            .setTensorType(TypeProto.Tensor.newBuilder().setElemType(elemType).setShape(shape))
            .build();
    return ValueInfoProto.newBuilder().setName(name).setType(type).build();
  }

  static List<String> list(String... names) {
    return new ArrayList<>(List.of(names));
  }
}
