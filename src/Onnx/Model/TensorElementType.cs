namespace Pipelines.Onnx;

/// <summary>Element types of ONNX tensors (values as in <c>TensorProto.DataType</c> of onnx.proto).</summary>
public enum TensorElementType
{
    /// <summary>Not set.</summary>
    Undefined = 0,
    /// <summary>32-bit IEEE float.</summary>
    Float = 1,
    /// <summary>Unsigned 8-bit integer.</summary>
    UInt8 = 2,
    /// <summary>Signed 8-bit integer.</summary>
    Int8 = 3,
    /// <summary>Unsigned 16-bit integer.</summary>
    UInt16 = 4,
    /// <summary>Signed 16-bit integer.</summary>
    Int16 = 5,
    /// <summary>Signed 32-bit integer.</summary>
    Int32 = 6,
    /// <summary>Signed 64-bit integer.</summary>
    Int64 = 7,
    /// <summary>UTF-8 string.</summary>
    String = 8,
    /// <summary>Boolean (one byte).</summary>
    Bool = 9,
    /// <summary>16-bit IEEE float.</summary>
    Float16 = 10,
    /// <summary>64-bit IEEE float.</summary>
    Double = 11,
    /// <summary>Unsigned 32-bit integer.</summary>
    UInt32 = 12,
    /// <summary>Unsigned 64-bit integer.</summary>
    UInt64 = 13,
    /// <summary>bfloat16.</summary>
    BFloat16 = 16,
    /// <summary>Unsigned 4-bit integer, two per byte, element 0 in the low nibble.</summary>
    UInt4 = 21,
    /// <summary>Signed 4-bit integer, two per byte, element 0 in the low nibble.</summary>
    Int4 = 22,
}

/// <summary>Sizes and names of <see cref="TensorElementType"/> values.</summary>
public static class TensorElementTypes
{
    /// <summary>Bytes needed to store <paramref name="count"/> elements of <paramref name="type"/> in raw (little-endian) form.</summary>
    /// <exception cref="NotSupportedException">The type has no fixed-size raw form (strings, undefined).</exception>
    /// <exception cref="OverflowException">The byte count does not fit a 64-bit integer.</exception>
    public static long RawByteCount(this TensorElementType type, long count) => type switch
    {
        TensorElementType.Float or TensorElementType.Int32 or TensorElementType.UInt32 => checked(4 * count),
        TensorElementType.Double or TensorElementType.Int64 or TensorElementType.UInt64 => checked(8 * count),
        TensorElementType.UInt8 or TensorElementType.Int8 or TensorElementType.Bool => count,
        TensorElementType.UInt16 or TensorElementType.Int16 or TensorElementType.Float16 or TensorElementType.BFloat16 => checked(2 * count),
        TensorElementType.UInt4 or TensorElementType.Int4 => (count / 2) + (count % 2),
        _ => throw new NotSupportedException($"Tensor element type {type} has no fixed-size raw layout."),
    };

    /// <summary>True for the floating-point types.</summary>
    public static bool IsFloatingPoint(this TensorElementType type) =>
        type is TensorElementType.Float or TensorElementType.Double or TensorElementType.Float16 or TensorElementType.BFloat16;
}
