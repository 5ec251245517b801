using Microsoft.ML.OnnxRuntime;

namespace Pipelines.Onnx.Runtime;

/// <summary>
/// A managed array exposed to ONNX Runtime without copying: the <see cref="OrtValue"/> pins <see cref="Data"/> for its
/// lifetime. This object owns the OrtValue; dispose it to unpin. Writes to <see cref="Data"/> are seen by the next run.
/// </summary>
/// <typeparam name="T">An element type ORT supports (float, double, long, int, byte, …).</typeparam>
public sealed class PinnedTensor<T> : IDisposable
    where T : unmanaged
{
    private bool _disposed;

    /// <summary>Allocates a zeroed tensor of the given shape.</summary>
    public PinnedTensor(params long[] shape)
        : this(new T[checked((int)OnnxTensor.ElementCountOf(shape))], shape)
    {
    }

    /// <summary>Wraps an existing array (not copied) with the given shape.</summary>
    public PinnedTensor(T[] data, long[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(shape);
        if (data.LongLength != OnnxTensor.ElementCountOf(shape))
        {
            throw new ArgumentException($"Array of {data.Length} elements does not match shape [{string.Join(",", shape)}].", nameof(data));
        }

        Data = data;
        Shape = shape;
        Value = OrtValue.CreateTensorValueFromMemory(data, shape);
    }

    /// <summary>The element storage (pinned while this object lives).</summary>
    public T[] Data { get; }

    /// <summary>The shape.</summary>
    public long[] Shape { get; }

    /// <summary>The ORT value over <see cref="Data"/>; valid until this object is disposed.</summary>
    public OrtValue Value { get; }

    /// <summary>The data as a span.</summary>
    public Span<T> Span => Data;

    /// <inheritdoc />
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            Value.Dispose();
        }
    }
}
