using System.Runtime.InteropServices;
using Pipelines.Onnx.Runtime;
using Pipelines.Testing;
using Xunit;

namespace Pipelines.Onnx.Tests;

/// <summary>
/// Device memory through a session's allocator, on the CPU (the same code path a CUDA session takes): round trips of
/// every element type and rank the trainer uses, size checks, ownership, and the typed error for CUDA memory without
/// the CUDA execution provider.
/// </summary>
public class DeviceMemoryTests
{
    [Fact]
    public void UploadThenDownload_RoundTripsEveryElementTypeAndRank()
    {
        using OnnxSession session = OrtSessions.Create(TinyModels.Mlp(seed: 1));
        using DeviceMemory memory = DeviceMemory.Create(session);
        Assert.Equal(ExecutionDevice.Cpu, memory.Device);
        Assert.Equal("CPUExecutionProvider", memory.Provider);
        Assert.Equal("Cpu", memory.MemoryName);

        var rng = new Random(3);
        float[] f = [.. Enumerable.Range(0, 6).Select(_ => (float)rng.NextDouble() - 0.5f)];
        f[2] = float.NaN;
        f[3] = -0f;
        RoundTrip(memory, TensorElementType.Float, [2, 3], MemoryMarshal.AsBytes(f.AsSpan()).ToArray());
        RoundTrip(memory, TensorElementType.UInt8, [3, 256], [.. Enumerable.Range(0, 768).Select(i => (byte)(i * 7))]);
        RoundTrip(memory, TensorElementType.Double, [], BitConverter.GetBytes(Math.PI));
        RoundTrip(memory, TensorElementType.Int64, [2, 2, 2], MemoryMarshal.AsBytes(new long[] { 1, -2, 3, long.MaxValue, 5, 6, long.MinValue, 8 }.AsSpan()).ToArray());
        Assert.Equal(0, memory.LiveTensors);
    }

    [Fact]
    public void Allocate_FromHostTensor_HoldsItsData()
    {
        using OnnxSession session = OrtSessions.Create(TinyModels.Mlp(seed: 1));
        using DeviceMemory memory = DeviceMemory.Create(session);
        OnnxTensor w = OnnxTensor.FromFloats("w", [1, 2, 3, 4, 5, 6], 3, 2);
        using DeviceTensor t = memory.Allocate(w);
        Assert.Equal([3L, 2L], t.Shape);
        Assert.Equal(24, t.ByteLength);
        Assert.Equal(w.RawData.ToArray(), t.ToArray());
    }

    [Fact]
    public void HostBufferOfTheWrongSize_IsRefusedNamingBothSizes()
    {
        using OnnxSession session = OrtSessions.Create(TinyModels.Mlp(seed: 1));
        using DeviceMemory memory = DeviceMemory.Create(session);
        using DeviceTensor t = memory.Allocate(TensorElementType.Float, [4]);
        var e = Assert.Throws<ArgumentException>(() => t.Upload(new byte[12]));
        Assert.Contains("16 bytes", e.Message, StringComparison.Ordinal);
        Assert.Contains("12", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => t.Download(new byte[20]));
    }

    [Fact]
    public void Dispose_ReleasesEveryLiveTensorOnce_AndIsIdempotent()
    {
        using OnnxSession session = OrtSessions.Create(TinyModels.Mlp(seed: 1));
        DeviceMemory memory = DeviceMemory.Create(session);
        DeviceTensor a = memory.Allocate(TensorElementType.Float, [8]);
        DeviceTensor b = memory.Allocate(TensorElementType.UInt8, [2, 4]);
        a.Upload(new byte[32]);
        Assert.Equal(2, memory.LiveTensors);

        a.Dispose();
        a.Dispose();
        Assert.True(a.IsDisposed);
        Assert.Equal(1, memory.LiveTensors);
        Assert.Throws<ObjectDisposedException>(() => a.Value);

        memory.Dispose();
        Assert.True(memory.IsDisposed);
        Assert.True(b.IsDisposed);
        Assert.Equal(0, memory.LiveTensors);
        Assert.Throws<ObjectDisposedException>(() => b.Value);
        Assert.Throws<ObjectDisposedException>(() => memory.Allocate(TensorElementType.Float, [1]));
        b.Dispose();
        memory.Dispose();
    }

    [Fact]
    public void TensorOfAnotherMemory_IsRefused()
    {
        using OnnxSession session = OrtSessions.Create(TinyModels.Mlp(seed: 1));
        using DeviceMemory first = DeviceMemory.Create(session);
        using DeviceMemory second = DeviceMemory.Create(session);
        using DeviceTensor t = first.Allocate(TensorElementType.Float, [2]);
        Assert.Throws<ArgumentException>(() => second.Upload(new byte[8], t));
    }

    [Fact]
    public void CudaMemory_OnACpuSession_IsATypedErrorNamingTheProvider()
    {
        using OnnxSession session = OrtSessions.Create(TinyModels.Mlp(seed: 1));
        var e = Assert.Throws<DeviceUnavailableException>(() => DeviceMemory.Create(session, ExecutionDevice.Cuda(1)));
        Assert.Equal(ErrorKind.Device, e.Kind);
        Assert.Contains("CUDAExecutionProvider", e.Message, StringComparison.Ordinal);
        Assert.Contains("CPUExecutionProvider", e.Message, StringComparison.Ordinal);
        Assert.Contains("cuda:1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CudaSession_WithoutTheCudaProvider_IsATypedErrorNamingIt()
    {
        var e = Assert.Throws<DeviceUnavailableException>(() =>
            OrtSessions.Create(TinyModels.Mlp(seed: 1), new SessionSettings { Device = ExecutionDevice.Cuda(0) }));
        Assert.Contains("CUDAExecutionProvider", e.Message, StringComparison.Ordinal);
    }

    private static void RoundTrip(DeviceMemory memory, TensorElementType type, long[] shape, byte[] data)
    {
        using DeviceTensor t = memory.Allocate(type, shape);
        Assert.Equal(data.Length, t.ByteLength);
        t.Upload(data);
        byte[] back = new byte[data.Length];
        t.Download(back);
        Assert.Equal(data, back);

        // a second tensor of the same type and rank reuses the copy session and keeps its own data
        using DeviceTensor u = memory.Allocate(type, shape);
        u.Upload(new byte[data.Length]);
        Assert.Equal(data, t.ToArray());
        Assert.All(u.ToArray(), b => Assert.Equal(0, b));
    }
}
