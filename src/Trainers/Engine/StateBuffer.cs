using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Pipelines.Onnx;
using OrtElementType = Microsoft.ML.OnnxRuntime.Tensors.TensorElementType;

namespace Pipelines.Trainers;

/// <summary>
/// A tensor in a pinned managed byte array (pinned-object heap) exposed to ONNX Runtime without copying. This object
/// owns its <see cref="OrtValue"/>; the array lives as long as the object.
/// </summary>
internal sealed class StateBuffer : IStateBuffer
{
    private bool _disposed;

    public StateBuffer(TensorElementType type, long[] shape)
    {
        ElementType = type;
        Shape = shape;
        Bytes = GC.AllocateArray<byte>(checked((int)Math.Max(1, type.RawByteCount(OnnxTensor.ElementCountOf(shape)))), pinned: true);
        nint address = Marshal.UnsafeAddrOfPinnedArrayElement(Bytes, 0);
        Value = OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, (OrtElementType)(int)type, shape, address, type.RawByteCount(OnnxTensor.ElementCountOf(shape)));
    }

    public TensorElementType ElementType { get; }

    public long[] Shape { get; }

    /// <summary>The raw bytes (one more than needed for empty tensors, never read).</summary>
    public byte[] Bytes { get; }

    public int ByteLength => checked((int)ElementType.RawByteCount(OnnxTensor.ElementCountOf(Shape)));

    public OrtValue Value { get; }

    public Span<byte> Raw => Bytes.AsSpan(0, ByteLength);

    public void CopyTo(Span<byte> destination)
    {
        if (destination.Length != ByteLength)
        {
            throw new ArgumentException($"The state tensor has {ByteLength} bytes, the destination {destination.Length}.", nameof(destination));
        }

        Raw.CopyTo(destination);
    }

    public void CopyFrom(ReadOnlySpan<byte> source)
    {
        if (source.Length != ByteLength)
        {
            throw new ArgumentException($"The state tensor has {ByteLength} bytes, got {source.Length}.", nameof(source));
        }

        source.CopyTo(Raw);
    }

    public Span<T> As<T>()
        where T : unmanaged => MemoryMarshal.Cast<byte, T>(Raw);

    /// <summary>Reads a Float or Double scalar as double.</summary>
    public double ReadScalar() => ElementType == TensorElementType.Double ? As<double>()[0] : As<float>()[0];

    /// <summary>Writes a Float or Double scalar.</summary>
    public void WriteScalar(double value)
    {
        if (ElementType == TensorElementType.Double)
        {
            As<double>()[0] = value;
        }
        else
        {
            As<float>()[0] = (float)value;
        }
    }

    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            Value.Dispose();
        }
    }
}
