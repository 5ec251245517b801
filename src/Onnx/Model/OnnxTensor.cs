using System.Runtime.InteropServices;

namespace Pipelines.Onnx;

/// <summary>
/// A constant tensor (an initializer or a tensor attribute). Numeric data is held in ONNX raw form: little-endian
/// elements in row-major order, 4-bit types packed two per byte with element 0 in the low nibble.
/// </summary>
public sealed class OnnxTensor
{
    private byte[] _rawData;

    /// <summary>Creates a numeric tensor over raw bytes (not copied).</summary>
    /// <param name="name">The tensor's name.</param>
    /// <param name="elementType">The element type.</param>
    /// <param name="dims">The shape.</param>
    /// <param name="rawData">The raw bytes; their length must match the shape.</param>
    public OnnxTensor(string name, TensorElementType elementType, long[] dims, byte[] rawData)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(dims);
        ArgumentNullException.ThrowIfNull(rawData);
        long expected = elementType.RawByteCount(ElementCountOf(dims));
        if (rawData.LongLength != expected)
        {
            throw new ArgumentException(
                $"Tensor '{name}' of type {elementType} and shape [{string.Join(",", dims)}] needs {expected} bytes, got {rawData.LongLength}.",
                nameof(rawData));
        }

        Name = name;
        ElementType = elementType;
        Dims = dims;
        _rawData = rawData;
    }

    private OnnxTensor(string name, long[] dims, byte[][] strings)
    {
        Name = name;
        ElementType = TensorElementType.String;
        Dims = dims;
        _rawData = [];
        StringData = strings;
    }

    /// <summary>The tensor's name (the initializer name for graph initializers).</summary>
    public string Name { get; set; }

    /// <summary>The element type.</summary>
    public TensorElementType ElementType { get; }

    /// <summary>The shape; empty for a scalar.</summary>
    public long[] Dims { get; }

    /// <summary>Documentation carried by the file.</summary>
    public string DocString { get; set; } = "";

    /// <summary>The raw little-endian bytes (empty for string tensors).</summary>
    public byte[] RawData => _rawData;

    /// <summary>UTF-8 elements of a string tensor, else <see langword="null"/>.</summary>
    public byte[][]? StringData { get; }

    /// <summary>Number of elements (product of <see cref="Dims"/>).</summary>
    public long ElementCount => ElementCountOf(Dims);

    /// <summary>Size of the data in bytes.</summary>
    public long ByteCount => StringData is null ? _rawData.LongLength : StringData.Sum(s => (long)s.Length);

    /// <summary>The elements as a span of <typeparamref name="T"/> (valid while this tensor's data is not replaced).</summary>
    public ReadOnlySpan<T> AsSpan<T>()
        where T : unmanaged => MemoryMarshal.Cast<byte, T>(_rawData);

    /// <summary>Copies the elements into a new array of <typeparamref name="T"/>.</summary>
    public T[] ToArray<T>()
        where T : unmanaged => AsSpan<T>().ToArray();

    /// <summary>Replaces the data with new raw bytes of the same length.</summary>
    public void ReplaceData(byte[] rawData)
    {
        ArgumentNullException.ThrowIfNull(rawData);
        if (rawData.Length != _rawData.Length)
        {
            throw new ArgumentException($"Tensor '{Name}': new data has {rawData.Length} bytes, expected {_rawData.Length}.", nameof(rawData));
        }

        _rawData = rawData;
    }

    /// <summary>Creates a tensor by copying <paramref name="data"/>.</summary>
    public static OnnxTensor Create<T>(string name, TensorElementType elementType, ReadOnlySpan<T> data, params long[] dims)
        where T : unmanaged
    {
        byte[] raw = MemoryMarshal.AsBytes(data).ToArray();
        return new OnnxTensor(name, elementType, dims, raw);
    }

    /// <summary>Creates a float tensor by copying <paramref name="data"/>.</summary>
    public static OnnxTensor FromFloats(string name, ReadOnlySpan<float> data, params long[] dims) =>
        Create(name, TensorElementType.Float, data, dims);

    /// <summary>Creates a double tensor by copying <paramref name="data"/>.</summary>
    public static OnnxTensor FromDoubles(string name, ReadOnlySpan<double> data, params long[] dims) =>
        Create(name, TensorElementType.Double, data, dims);

    /// <summary>Creates an int64 tensor by copying <paramref name="data"/>.</summary>
    public static OnnxTensor FromInt64s(string name, ReadOnlySpan<long> data, params long[] dims) =>
        Create(name, TensorElementType.Int64, data, dims);

    /// <summary>Creates a string tensor.</summary>
    public static OnnxTensor FromStrings(string name, byte[][] utf8, params long[] dims)
    {
        ArgumentNullException.ThrowIfNull(utf8);
        if (utf8.LongLength != ElementCountOf(dims))
        {
            throw new ArgumentException($"String tensor '{name}' has {utf8.Length} elements for shape [{string.Join(",", dims)}].", nameof(utf8));
        }

        return new OnnxTensor(name, dims, utf8);
    }

    /// <summary>Product of dims (1 for a scalar).</summary>
    public static long ElementCountOf(IReadOnlyList<long> dims)
    {
        ArgumentNullException.ThrowIfNull(dims);
        long n = 1;
        foreach (long d in dims)
        {
            if (d < 0)
            {
                throw new ArgumentException($"Negative dimension {d} in a constant tensor shape.", nameof(dims));
            }

            n = checked(n * d);
        }

        return n;
    }

    /// <summary>A deep copy with an optional new name.</summary>
    public OnnxTensor Clone(string? name = null) => StringData is null
        ? new OnnxTensor(name ?? Name, ElementType, (long[])Dims.Clone(), (byte[])_rawData.Clone()) { DocString = DocString }
        : new OnnxTensor(name ?? Name, (long[])Dims.Clone(), StringData.Select(s => (byte[])s.Clone()).ToArray()) { DocString = DocString };

    /// <summary>The tensor's type as a <see cref="TensorType"/>.</summary>
    public TensorType Type => new(ElementType, Dims.Select(d => (Dim)d).ToArray());

    /// <inheritdoc />
    public override string ToString() => $"{Name}: {Type}";
}
