import {
  DataType,
  type AttributeValue,
  type GraphProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from './proto.ts';

const bytesOf = (a: Float32Array | Int8Array | Uint8Array | BigInt64Array) =>
  new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/**
 * Collects nodes and initializers in topological order (each op is added after its inputs) and
 * names every intermediate value uniquely, so graph code reads like the formula it builds.
 */
export class GraphBuilder {
  private readonly nodes: NodeProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private count = 0;

  /** Adds a constant tensor; returns its name. */
  tensor(
    name: string,
    dataType: DataType,
    dims: number[],
    data: Float32Array | Int8Array | Uint8Array | BigInt64Array,
  ): string {
    this.initializers.push({ name, dataType, dims, rawData: bytesOf(data) });
    return name;
  }

  float(name: string, data: Float32Array, dims: number[]): string {
    return this.tensor(name, DataType.FLOAT, dims, data);
  }

  /** A float32 scalar (dims `[]`). */
  scalar(name: string, value: number): string {
    return this.float(name, Float32Array.of(value), []);
  }

  /** A 1-D int64 tensor: shapes, axes, slice bounds. */
  int64s(name: string, values: number[]): string {
    return this.tensor(name, DataType.INT64, [values.length], BigInt64Array.from(values, BigInt));
  }

  /** Adds one node with `outputs` results; returns their names. */
  opN(
    opType: string,
    inputs: string[],
    outputs: number,
    attributes?: Record<string, AttributeValue>,
  ): string[] {
    const id = this.count++;
    const names = Array.from({ length: outputs }, (_, i) => `${opType}_${id}_${i}`);
    this.nodes.push({ opType, name: `${opType}_${id}`, inputs, outputs: names, attributes });
    return names;
  }

  op(opType: string, inputs: string[], attributes?: Record<string, AttributeValue>): string {
    return this.opN(opType, inputs, 1, attributes)[0];
  }

  /** Renames the last node's output, so a graph output carries a fixed name. */
  nameLast(name: string): string {
    const last = this.nodes[this.nodes.length - 1];
    last.outputs[0] = name;
    return name;
  }

  build(name: string, inputs: ValueInfoProto[], outputs: ValueInfoProto[]): GraphProto {
    return { name, nodes: this.nodes, initializers: this.initializers, inputs, outputs };
  }
}
