"""Makes the Keras 3 fixtures of spark-cnn's import tests, once, with real Keras.

    python3 -m venv /tmp/kvenv && /tmp/kvenv/bin/pip install keras jax jaxlib h5py safetensors
    KERAS_BACKEND=jax /tmp/kvenv/bin/python make_fixtures.py   # run from this directory

Writes here (interop tests) and to ../../../../../core/src/test/resources/keras3 (core tests):
  seed-cnn.keras3.json         to_json() of the seed CNN, uncompiled (core: exact round trip)
  all-layers.keras3.json       to_json() of a small model using every supported layer (both)
  all-layers.keras             model.save(): zip of config.json + model.weights.h5
  all-layers.h5                model.save() in the legacy HDF5 format (Keras 3 weight names)
  all-layers.weights.h5        model.save_weights(), for --input JSON --weights W
  all-layers.safetensors       the weights under Keras 3 variable paths ("net/conv/kernel")
  all-layers.tfkeras2.h5       the same weights in tf.keras 2.x's HDF5 layout ("conv/kernel:0",
                               tf.keras 2 model_config), written with h5py, loaded back by
                               Keras' legacy loader to prove it is a file Keras reads
  all-layers.expected.safetensors  x [4, 12, 12, 3] in [0, 1) and y = model.predict(x) [4, 3]
Keras 3.15.1, jax backend, numpy seed 13.
"""
import io
import json
import os
import zipfile

os.environ.setdefault("KERAS_BACKEND", "jax")
import h5py
import keras
import numpy as np
from keras import layers
from safetensors.numpy import save_file

CORE = os.path.join("..", "..", "..", "..", "..", "core", "src", "test", "resources", "keras3")
keras.utils.set_random_seed(13)


def seed_cnn():
    keras.backend.clear_session()  # layer names restart at "conv2d", as in a fresh program
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(32, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(64, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(64, activation="relu"),
            layers.Dense(10, activation="softmax"),
        ]
    )


def all_layers():
    """Every layer spark-cnn supports, with non-default arguments where it has them."""
    keras.backend.clear_session()
    return keras.Sequential(
        [
            keras.Input((12, 12, 3)),
            layers.Conv2D(4, 3, strides=2, padding="same", activation="tanh", name="conv"),
            layers.MaxPooling2D(2, strides=1, padding="same"),
            layers.Conv2D(5, (2, 3), use_bias=False, kernel_initializer="he_normal"),
            layers.Activation("relu"),
            layers.AveragePooling2D(2),
            layers.Flatten(),
            layers.Dropout(0.3),
            layers.Dense(6, activation="sigmoid"),
            layers.Dense(3),
            layers.Activation("softmax"),
        ],
        name="net",
    )


def tf_keras2_config(cfg):
    """Keras 3's config of a Sequential as tf.keras 2.x's to_json() wrote it."""

    def plain(obj):
        if isinstance(obj, dict) and "class_name" in obj:
            return {"class_name": obj["class_name"], "config": {"seed": None} if obj["config"] else {}}
        return obj

    layers_out = []
    for entry in cfg["config"]["layers"]:
        c = dict(entry["config"])
        if entry["class_name"] == "InputLayer":
            c = {"batch_input_shape": c["batch_shape"], "dtype": "float32", "sparse": False,
                 "ragged": False, "name": "conv_input"}
        else:
            c["dtype"] = "float32"
            c.pop("quantization_config", None)
            for k in ("kernel_initializer", "bias_initializer"):
                if k in c:
                    c[k] = plain(c[k])
            if entry["class_name"] == "Dense":
                c["activity_regularizer"] = None
        layers_out.append({"class_name": entry["class_name"], "config": c})
    return {"class_name": "Sequential", "config": {"name": cfg["config"]["name"], "layers": layers_out},
            "keras_version": "2.11.0", "backend": "tensorflow"}


def write_tf_keras2_h5(model, path):
    """tf.keras 2.x's save(): model_config attribute and model_weights/<layer>/<layer>/kernel:0."""
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = "2.11.0"
        f.attrs["backend"] = "tensorflow"
        f.attrs["model_config"] = json.dumps(tf_keras2_config(json.loads(model.to_json())))
        g = f.create_group("model_weights")
        g.attrs["layer_names"] = [l.name.encode() for l in model.layers]
        g.attrs["backend"] = "tensorflow"
        g.attrs["keras_version"] = "2.11.0"
        for layer in model.layers:
            lg = g.create_group(layer.name)
            names = [f"{layer.name}/{w.name}:0" for w in layer.weights]
            lg.attrs["weight_names"] = [n.encode() for n in names]
            for n, w in zip(names, layer.weights):
                lg.create_dataset(n, data=np.asarray(w.numpy(), dtype=np.float32))


def write(name, text, *dirs):
    for d in dirs:
        with open(os.path.join(d, name), "w") as f:
            f.write(text)


def main():
    os.makedirs(CORE, exist_ok=True)
    write("seed-cnn.keras3.json", seed_cnn().to_json(indent=1) + "\n", CORE)

    model = all_layers()
    write("all-layers.keras3.json", model.to_json(indent=1) + "\n", CORE, ".")
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    x = np.random.default_rng(13).random((4, 12, 12, 3), dtype=np.float32)
    y = model.predict(x, verbose=0)
    save_file({"x": x, "y": np.asarray(y, dtype=np.float32)}, "all-layers.expected.safetensors")
    model.save("all-layers.keras")
    model.save("all-layers.h5")
    model.save_weights("all-layers.weights.h5")
    save_file({w.path: np.asarray(w.numpy()) for w in model.weights}, "all-layers.safetensors")
    write_tf_keras2_h5(model, "all-layers.tfkeras2.h5")

    # Every file must load back in Keras and predict what was recorded.
    for path in ("all-layers.keras", "all-layers.h5", "all-layers.tfkeras2.h5"):
        again = keras.models.load_model(path, compile=False)
        diff = np.abs(again.predict(x, verbose=0) - y).max()
        assert diff == 0, (path, diff)
    with zipfile.ZipFile("all-layers.keras") as z:
        assert sorted(z.namelist()) == ["config.json", "metadata.json", "model.weights.h5"]
    print("max |y| difference after reload: 0; y =", y.tolist())


if __name__ == "__main__":
    main()
