using Microsoft.ML.OnnxRuntime;
using Pipelines.Onnx;
using Pipelines.Onnx.Runtime;

namespace Pipelines.Trainers;

/// <summary>A state tensor in device memory (<see cref="StateMemory.Device"/>); owns its <see cref="DeviceTensor"/>.</summary>
internal sealed class DeviceStateBuffer(DeviceTensor tensor) : IStateBuffer
{
    public TensorElementType ElementType => tensor.ElementType;

    public long[] Shape { get; } = [.. tensor.Shape];

    public int ByteLength => checked((int)tensor.ByteLength);

    public OrtValue Value => tensor.Value;

    public DeviceTensor Tensor => tensor;

    public void CopyTo(Span<byte> destination) => tensor.Download(destination);

    public void CopyFrom(ReadOnlySpan<byte> source) => tensor.Upload(source);

    public void Dispose() => tensor.Dispose();
}
