/**
 * The part of ONNX's protobuf schema (onnx/onnx.proto, proto2, package `onnx`) that an inference
 * graph needs, encoded with protobufjs' minimal `Writer` the way its static code generator
 * (`pbjs -t static`) writes encoders: no reflection, so no `eval`, which the studio's
 * Content-Security-Policy forbids. Field numbers are onnx.proto's; each `tag()` below names its
 * field. Repeated scalars are written unpacked, as proto2 declares them (parsers accept both).
 */
import protobuf from 'protobufjs/minimal.js';

type Writer = protobuf.Writer;

/** `TensorProto.DataType` values used here. */
export const DataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7 } as const;
export type DataType = (typeof DataType)[keyof typeof DataType];

export interface TensorProto {
  name: string;
  dataType: DataType;
  dims: number[];
  /** Little-endian, row-major element bytes (`raw_data`). */
  rawData: Uint8Array;
}

export type AttributeValue =
  | { kind: 'float'; value: number }
  | { kind: 'int'; value: number }
  | { kind: 'ints'; value: number[] };

export interface NodeProto {
  opType: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attributes?: Record<string, AttributeValue>;
}

/** A tensor value: element type and shape, each dimension a number or a symbolic name. */
export interface ValueInfoProto {
  name: string;
  elemType: DataType;
  shape: (number | string)[];
}

export interface GraphProto {
  name: string;
  nodes: NodeProto[];
  initializers: TensorProto[];
  inputs: ValueInfoProto[];
  outputs: ValueInfoProto[];
}

export interface ModelProto {
  irVersion: number;
  opsetVersion: number;
  producerName: string;
  producerVersion: string;
  graph: GraphProto;
  docString?: string;
}

const VARINT = 0;
const FIXED32 = 5;
const BYTES = 2;
const tag = (field: number, wire: number) => ((field << 3) | wire) >>> 0;

/** `AttributeProto.AttributeType`. */
const ATTRIBUTE_TYPE = { float: 1, int: 2, ints: 7 } as const;

function writeTensor(w: Writer, t: TensorProto): void {
  for (const d of t.dims) w.uint32(tag(1, VARINT)).int64(d); // dims = 1
  w.uint32(tag(2, VARINT)).int32(t.dataType); // data_type = 2
  w.uint32(tag(8, BYTES)).string(t.name); // name = 8
  w.uint32(tag(9, BYTES)).bytes(t.rawData); // raw_data = 9
}

function writeAttribute(w: Writer, name: string, a: AttributeValue): void {
  w.uint32(tag(1, BYTES)).string(name); // name = 1
  if (a.kind === 'float')
    w.uint32(tag(2, FIXED32)).float(a.value); // f = 2
  else if (a.kind === 'int')
    w.uint32(tag(3, VARINT)).int64(a.value); // i = 3
  else for (const v of a.value) w.uint32(tag(8, VARINT)).int64(v); // ints = 8
  w.uint32(tag(20, VARINT)).int32(ATTRIBUTE_TYPE[a.kind]); // type = 20
}

function writeNode(w: Writer, n: NodeProto): void {
  for (const i of n.inputs) w.uint32(tag(1, BYTES)).string(i); // input = 1
  for (const o of n.outputs) w.uint32(tag(2, BYTES)).string(o); // output = 2
  w.uint32(tag(3, BYTES)).string(n.name); // name = 3
  w.uint32(tag(4, BYTES)).string(n.opType); // op_type = 4
  for (const [name, a] of Object.entries(n.attributes ?? {})) {
    w.uint32(tag(5, BYTES)).fork(); // attribute = 5
    writeAttribute(w, name, a);
    w.ldelim();
  }
}

function writeValueInfo(w: Writer, v: ValueInfoProto): void {
  w.uint32(tag(1, BYTES)).string(v.name); // ValueInfoProto.name = 1
  w.uint32(tag(2, BYTES)).fork(); // ValueInfoProto.type = 2 (TypeProto)
  w.uint32(tag(1, BYTES)).fork(); // TypeProto.tensor_type = 1 (TypeProto.Tensor)
  w.uint32(tag(1, VARINT)).int32(v.elemType); // Tensor.elem_type = 1
  w.uint32(tag(2, BYTES)).fork(); // Tensor.shape = 2 (TensorShapeProto)
  for (const d of v.shape) {
    w.uint32(tag(1, BYTES)).fork(); // TensorShapeProto.dim = 1 (Dimension)
    if (typeof d === 'number')
      w.uint32(tag(1, VARINT)).int64(d); // dim_value = 1
    else w.uint32(tag(2, BYTES)).string(d); // dim_param = 2
    w.ldelim();
  }
  w.ldelim();
  w.ldelim();
  w.ldelim();
}

function writeGraph(w: Writer, g: GraphProto): void {
  for (const n of g.nodes) {
    w.uint32(tag(1, BYTES)).fork(); // node = 1
    writeNode(w, n);
    w.ldelim();
  }
  w.uint32(tag(2, BYTES)).string(g.name); // name = 2
  for (const t of g.initializers) {
    w.uint32(tag(5, BYTES)).fork(); // initializer = 5
    writeTensor(w, t);
    w.ldelim();
  }
  for (const [field, values] of [
    [11, g.inputs], // input = 11
    [12, g.outputs], // output = 12
  ] as const) {
    for (const v of values) {
      w.uint32(tag(field, BYTES)).fork();
      writeValueInfo(w, v);
      w.ldelim();
    }
  }
}

/** The serialized `ModelProto`: the bytes of a `.onnx` file. */
export function encodeModel(m: ModelProto): Uint8Array {
  const w = protobuf.Writer.create();
  w.uint32(tag(1, VARINT)).int64(m.irVersion); // ir_version = 1
  w.uint32(tag(2, BYTES)).string(m.producerName); // producer_name = 2
  w.uint32(tag(3, BYTES)).string(m.producerVersion); // producer_version = 3
  if (m.docString) w.uint32(tag(6, BYTES)).string(m.docString); // doc_string = 6
  w.uint32(tag(7, BYTES)).fork(); // graph = 7
  writeGraph(w, m.graph);
  w.ldelim();
  w.uint32(tag(8, BYTES)).fork(); // opset_import = 8 (OperatorSetIdProto)
  w.uint32(tag(1, BYTES)).string(''); // domain = 1: the default ONNX operator set
  w.uint32(tag(2, VARINT)).int64(m.opsetVersion); // version = 2
  w.ldelim();
  return w.finish();
}
