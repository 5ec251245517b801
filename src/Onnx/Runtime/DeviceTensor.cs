using Microsoft.ML.OnnxRuntime;

namespace Pipelines.Onnx.Runtime;

/// <summary>
/// A tensor in the memory of one execution device (<see cref="DeviceMemory"/>): an <see cref="OrtValue"/> allocated by
/// ONNX Runtime's allocator for that device, bound to sessions with IOBinding and never touched by managed code. This
/// object owns the value; the <see cref="DeviceMemory"/> that allocated it owns the allocator and releases every tensor
/// still alive when it is disposed itself (so the memory is never freed through a released allocator).
/// </summary>
public sealed class DeviceTensor : IDisposable
{
    private readonly OrtValue _value;
    private bool _disposed;

    internal DeviceTensor(DeviceMemory memory, OrtValue value, TensorElementType elementType, long[] shape)
    {
        Memory = memory;
        _value = value;
        ElementType = elementType;
        Shape = shape;
        ByteLength = elementType.RawByteCount(OnnxTensor.ElementCountOf(shape));
    }

    /// <summary>The memory this tensor lives in.</summary>
    public DeviceMemory Memory { get; }

    /// <summary>The element type.</summary>
    public TensorElementType ElementType { get; }

    /// <summary>The dims.</summary>
    public IReadOnlyList<long> Shape { get; }

    /// <summary>The payload size in bytes.</summary>
    public long ByteLength { get; }

    /// <summary>True once this tensor (or its <see cref="Memory"/>) has been disposed.</summary>
    public bool IsDisposed => _disposed;

    /// <summary>The value to bind (owned by this object: do not dispose it).</summary>
    /// <exception cref="ObjectDisposedException">The tensor was disposed.</exception>
    public OrtValue Value
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _value;
        }
    }

    /// <summary>Copies <paramref name="source"/> (host bytes, exactly <see cref="ByteLength"/> of them) into this tensor.</summary>
    /// <param name="source">The host bytes.</param>
    public void Upload(ReadOnlySpan<byte> source) => Memory.Upload(source, this);

    /// <summary>Copies this tensor into <paramref name="destination"/> (host bytes, exactly <see cref="ByteLength"/> of them).</summary>
    /// <param name="destination">The host bytes.</param>
    public void Download(Span<byte> destination) => Memory.Download(this, destination);

    /// <summary>A host copy of the payload.</summary>
    public byte[] ToArray()
    {
        byte[] bytes = new byte[ByteLength];
        Download(bytes);
        return bytes;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _value.Dispose();
        Memory.Forget(this);
    }
}
