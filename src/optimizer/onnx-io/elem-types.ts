import type { Datatype } from '../../protocol/index.js';
import { TensorDataType } from './onnx-types.js';

const DATATYPE_BY_ELEM_TYPE: ReadonlyMap<number, Datatype> = new Map<number, Datatype>([
  [TensorDataType.FLOAT, 'FP32'], [TensorDataType.UINT8, 'UINT8'], [TensorDataType.INT8, 'INT8'],
  [TensorDataType.UINT16, 'UINT16'], [TensorDataType.INT16, 'INT16'], [TensorDataType.INT32, 'INT32'],
  [TensorDataType.INT64, 'INT64'], [TensorDataType.STRING, 'BYTES'], [TensorDataType.BOOL, 'BOOL'],
  [TensorDataType.FLOAT16, 'FP16'], [TensorDataType.DOUBLE, 'FP64'], [TensorDataType.UINT32, 'UINT32'],
  [TensorDataType.UINT64, 'UINT64'], [TensorDataType.BFLOAT16, 'BF16'],
]);

const ELEM_TYPE_BY_DATATYPE: ReadonlyMap<Datatype, number> = new Map(
  [...DATATYPE_BY_ELEM_TYPE].map(([elemType, datatype]) => [datatype, elemType]),
);

const ELEM_TYPE_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(TensorDataType).map(([name, value]) => [value, name]),
);

/**
 * The tessera datatype of an ONNX element type (`TensorProto.DataType`), or undefined when the type cannot be served
 * (complex, float8, 4-bit types, UNDEFINED). STRING maps to BYTES.
 *
 * @example onnxElemTypeToDatatype(1) // 'FP32'
 */
export function onnxElemTypeToDatatype(elemType: number): Datatype | undefined {
  return DATATYPE_BY_ELEM_TYPE.get(elemType);
}

/**
 * The ONNX element type (`TensorProto.DataType`) of a tessera datatype. BYTES maps to STRING.
 *
 * @example datatypeToOnnxElemType('INT64') // 7
 */
export function datatypeToOnnxElemType(datatype: Datatype): number {
  const elemType = ELEM_TYPE_BY_DATATYPE.get(datatype);
  if (elemType === undefined) throw new RangeError(`unknown datatype ${String(datatype)}`);
  return elemType;
}

/** The `TensorProto.DataType` enum name of an element type, e.g. `COMPLEX64 (14)`, for error messages. */
export function describeElemType(elemType: number | undefined): string {
  if (elemType === undefined) return 'no element type';
  return `${ELEM_TYPE_NAMES.get(elemType) ?? 'unknown'} (${elemType})`;
}
