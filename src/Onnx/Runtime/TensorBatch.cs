using System.Diagnostics.CodeAnalysis;
using Microsoft.ML.OnnxRuntime;

namespace Pipelines.Onnx.Runtime;

/// <summary>
/// Named, typed tensors in managed memory for ONNX Runtime runs: the inputs of one batch (token ids, masks, graph tensors,
/// labels…) as row-major arrays with their shapes, in the order they were added. The batch is the one owner of the
/// <see cref="OrtValue"/>s over its arrays: it creates each on first request (pinning the array, no copy) and disposes
/// them all in <see cref="Dispose"/>; the arrays stay readable after that.
/// </summary>
/// <remarks>
/// Element types: <see cref="float"/>, <see cref="double"/>, <see cref="long"/> (int64), <see cref="int"/> (int32) and
/// <see cref="bool"/>. Writes to an array are seen by the next run (the values read the pinned array in place).
/// </remarks>
public sealed class TensorBatch : IDisposable
{
    private readonly List<string> _names = [];
    private readonly Dictionary<string, (Array Data, long[] Shape)> _tensors = new(StringComparer.Ordinal);
    private readonly Dictionary<string, OrtValue> _values = new(StringComparer.Ordinal);
    private bool _disposed;

    /// <summary>Number of tensors.</summary>
    public int Count => _names.Count;

    /// <summary>The tensor names, in the order they were added.</summary>
    public IReadOnlyList<string> Names => _names;

    /// <summary>Rows: the first dimension of the first tensor (1 for a scalar, 0 for an empty batch).</summary>
    public int Rows => _names.Count == 0 ? 0 : _tensors[_names[0]].Shape is { Length: > 0 } s ? (int)s[0] : 1;

    /// <summary>Adds a tensor over <paramref name="data"/> (not copied) with the given shape.</summary>
    /// <typeparam name="T">float, double, long, int or bool.</typeparam>
    /// <param name="name">The input name; unique in the batch.</param>
    /// <param name="data">The elements, row-major; the batch keeps this array.</param>
    /// <param name="shape">The shape; its element count must equal <c>data.Length</c>.</param>
    /// <returns>This batch, for chaining.</returns>
    /// <exception cref="ArgumentException">The name is taken, or the shape does not match the data.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not a supported element type.</exception>
    public TensorBatch Add<T>(string name, T[] data, params long[] shape)
        where T : unmanaged
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(shape);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double) && typeof(T) != typeof(long) && typeof(T) != typeof(int) && typeof(T) != typeof(bool))
        {
            throw new NotSupportedException($"Tensor '{name}' has element type {typeof(T).Name}; a batch holds float, double, long, int or bool.");
        }

        if (data.LongLength != OnnxTensor.ElementCountOf(shape))
        {
            throw new ArgumentException($"Tensor '{name}' has {data.Length} elements, which does not match shape [{string.Join(",", shape)}].", nameof(data));
        }

        if (!_tensors.TryAdd(name, (data, shape)))
        {
            throw new ArgumentException($"The batch already has a tensor '{name}'.", nameof(name));
        }

        _names.Add(name);
        return this;
    }

    /// <summary>Whether the batch has a tensor named <paramref name="name"/>.</summary>
    public bool Contains(string name) => _tensors.ContainsKey(name);

    /// <summary>The shape of tensor <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such tensor.</exception>
    public long[] ShapeOf(string name) => Entry(name).Shape;

    /// <summary>The elements of tensor <paramref name="name"/> (the array itself, not a copy).</summary>
    /// <exception cref="KeyNotFoundException">No such tensor.</exception>
    public Array DataOf(string name) => Entry(name).Data;

    /// <summary>The elements of tensor <paramref name="name"/> as <typeparamref name="T"/>[] (the array itself).</summary>
    /// <exception cref="KeyNotFoundException">No such tensor.</exception>
    /// <exception cref="InvalidCastException">The tensor holds another element type.</exception>
    public T[] Get<T>(string name)
        where T : unmanaged
    {
        Array data = Entry(name).Data;
        return data as T[] ?? throw new InvalidCastException($"Tensor '{name}' holds {data.GetType().GetElementType()!.Name}, not {typeof(T).Name}.");
    }

    /// <summary>The elements of tensor <paramref name="name"/> when it exists and holds <typeparamref name="T"/>.</summary>
    public bool TryGet<T>(string name, [NotNullWhen(true)] out T[]? data)
        where T : unmanaged
    {
        data = _tensors.TryGetValue(name, out (Array Data, long[] Shape) t) ? t.Data as T[] : null;
        return data is not null;
    }

    /// <summary>
    /// The ORT value over tensor <paramref name="name"/>: created (pinning the array) on the first request, then reused;
    /// owned by this batch and valid until it is disposed.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No such tensor.</exception>
    public OrtValue GetValue(string name)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_values.TryGetValue(name, out OrtValue? value))
        {
            (Array data, long[] shape) = Entry(name);
            value = data switch
            {
                float[] f => OrtValue.CreateTensorValueFromMemory(f, shape),
                double[] d => OrtValue.CreateTensorValueFromMemory(d, shape),
                long[] l => OrtValue.CreateTensorValueFromMemory(l, shape),
                int[] i => OrtValue.CreateTensorValueFromMemory(i, shape),
                _ => OrtValue.CreateTensorValueFromMemory((bool[])data, shape),
            };
            _values[name] = value;
        }

        return value;
    }

    /// <summary>The ORT values of the named tensors (see <see cref="GetValue"/>), keyed by name; the batch owns them.</summary>
    /// <exception cref="KeyNotFoundException">A name is not in the batch.</exception>
    public IReadOnlyDictionary<string, OrtValue> GetValues(IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        return names.ToDictionary(n => n, GetValue, StringComparer.Ordinal);
    }

    /// <summary>Disposes the ORT values created so far (unpinning the arrays); the arrays stay readable.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (OrtValue v in _values.Values)
        {
            v.Dispose();
        }

        _values.Clear();
    }

    private (Array Data, long[] Shape) Entry(string name) =>
        _tensors.TryGetValue(name, out (Array Data, long[] Shape) t)
            ? t
            : throw new KeyNotFoundException($"The batch has no tensor '{name}'; it has {(_names.Count == 0 ? "none" : string.Join(", ", _names))}.");
}
