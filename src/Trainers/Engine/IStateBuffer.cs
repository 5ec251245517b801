using Microsoft.ML.OnnxRuntime;
using Pipelines.Onnx;

namespace Pipelines.Trainers;

/// <summary>
/// One tensor of the trainer's state (a parameter, an optimizer slot, a running statistic) in one ping-pong set: the
/// value bound to the train session, and host copies in both directions. <see cref="StateBuffer"/> (pinned host array)
/// and <see cref="DeviceStateBuffer"/> (device memory) implement it; each owns its native value.
/// </summary>
internal interface IStateBuffer : IDisposable
{
    TensorElementType ElementType { get; }

    long[] Shape { get; }

    int ByteLength { get; }

    /// <summary>The value to bind (owned by the buffer).</summary>
    OrtValue Value { get; }

    /// <summary>Copies the tensor into <paramref name="destination"/> (exactly <see cref="ByteLength"/> bytes).</summary>
    void CopyTo(Span<byte> destination);

    /// <summary>Overwrites the tensor with <paramref name="source"/> (exactly <see cref="ByteLength"/> bytes).</summary>
    void CopyFrom(ReadOnlySpan<byte> source);
}

/// <summary>Host copies of an <see cref="IStateBuffer"/>.</summary>
internal static class StateBuffers
{
    public static byte[] ToArray(this IStateBuffer buffer)
    {
        byte[] bytes = new byte[buffer.ByteLength];
        buffer.CopyTo(bytes);
        return bytes;
    }
}
