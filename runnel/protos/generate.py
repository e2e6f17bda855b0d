"""Regenerates every `*_pb2.py` (and `*_pb2_grpc.py`) under runnel/protos from the `.proto`
files beside them.

    python -m runnel.protos.generate        (needs grpcio-tools: pip install runnel[dev])

The .proto files mirror TensorFlow's and TF Serving's relative paths
(tensorflow/core/example/example.proto, tensorflow_serving/apis/predict.proto ...), so
imports between them read as upstream. The generated code is then post-processed:

- imports `from tensorflow.core...` / `from tensorflow_serving...` become
  `from runnel.protos.tensorflow.core...` / `from runnel.protos.tensorflow_serving...`, so
  the modules never import (or need) TensorFlow itself;
- descriptors go to runnel's private pool (`runnel.protos._pool.POOL`) instead of
  protobuf's default pool, where real TensorFlow registers the same file and message
  names: both can then be imported in one process without a duplicate-definition error.

gRPC stubs (`*_pb2_grpc.py`) are generated for the files that define services.
"""

from __future__ import annotations

import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent
TOP_PACKAGES = ("tensorflow", "tensorflow_serving")
POOL_IMPORT = "from runnel.protos import _pool as _runnel_pool\n"


def _rewrite_imports(text: str) -> str:
    for top in TOP_PACKAGES:
        text = re.sub(rf"^from {top}\.", f"from runnel.protos.{top}.", text, flags=re.M)
    return text


def _postprocess_pb2(text: str, proto: str) -> str:
    from runnel.protos import _pool

    text = _rewrite_imports(text)
    for dep in re.findall(r'^import "(google/protobuf/[^"]+)";', (ROOT / proto).read_text(), re.M):
        if dep not in _pool.WELL_KNOWN_FILES:
            raise SystemExit(f"{proto}: {dep} is not in runnel.protos._pool.WELL_KNOWN_FILES")
    if text.count("_descriptor_pool.Default()") != 1:
        raise SystemExit(f"{proto}: unexpected generated code (descriptor pool use)")
    text = text.replace("_descriptor_pool.Default()", "_runnel_pool.POOL")
    text = text.replace("# @@protoc_insertion_point(imports)\n",
                        "# @@protoc_insertion_point(imports)\n" + POOL_IMPORT, 1)
    module = proto[: -len(".proto")].replace("/", ".") + "_pb2"
    text = text.replace(f"(DESCRIPTOR, '{module}', _globals)",
                        f"(DESCRIPTOR, 'runnel.protos.{module}', _globals)")
    return text


def _postprocess_grpc(text: str) -> str:
    """Imports rewritten, and a docstring for each generated `add_*Servicer_to_server`."""
    def doc(m):
        return (f"{m.group(0)}\n    \"\"\"Registers `servicer` (a {m.group(1)}Servicer subclass) on `server` (a grpc.Server "
                f"or grpc.aio.Server)\n    for every RPC of the `{m.group(1)}` service.\"\"\"")
    text = re.sub(r"^def add_(\w+)Servicer_to_server\(servicer, server\):(?!\n    \"\"\")", doc, text, flags=re.M)
    return _rewrite_imports(text)


def main() -> int:
    """Regenerates the `*_pb2.py` (and `*_pb2_grpc.py` for files with a `service`) modules
    from the `.proto` files under the protos directory with `grpc_tools.protoc`.

    Post-processes the generated imports and adds missing `__init__.py` files.
    Returns 0 on success, 1 if protoc fails.
    """
    from grpc_tools import protoc

    protos = sorted(str(p.relative_to(ROOT)) for p in ROOT.rglob("*.proto"))
    with_services = [p for p in protos
                     if re.search(r"^service\s", (ROOT / p).read_text(), re.M)]
    args = ["protoc", f"-I{ROOT}", f"-I{protoc._get_resource_file_name('grpc_tools', '_proto')}",
            f"--python_out={ROOT}", *protos]
    if protoc.main(args) != 0:
        print("protoc failed", file=sys.stderr)
        return 1
    if with_services:
        args = ["protoc", f"-I{ROOT}",
                f"-I{protoc._get_resource_file_name('grpc_tools', '_proto')}",
                f"--grpc_python_out={ROOT}", *with_services]
        if protoc.main(args) != 0:
            print("protoc (grpc) failed", file=sys.stderr)
            return 1
    for proto in protos:
        out = ROOT / proto.replace(".proto", "_pb2.py")
        out.write_text(_postprocess_pb2(out.read_text(), proto))
    for proto in with_services:
        out = ROOT / proto.replace(".proto", "_pb2_grpc.py")
        out.write_text(_postprocess_grpc(out.read_text()))
    for d in {(ROOT / p).parent for p in protos}:
        while d != ROOT:
            (d / "__init__.py").touch()
            d = d.parent
    print(f"generated {len(protos)} modules ({len(with_services)} with gRPC stubs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
