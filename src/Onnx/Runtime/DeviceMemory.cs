using Microsoft.ML.OnnxRuntime;
using OrtElementType = Microsoft.ML.OnnxRuntime.Tensors.TensorElementType;

namespace Pipelines.Onnx.Runtime;

/// <summary>
/// The memory of one execution device, as ONNX Runtime's allocator of a session sees it (<see cref="OrtMemoryInfo"/>
/// <c>Cpu</c> on the CPU, <c>Cuda</c> with the GPU index on CUDA): tensors allocated here (<see cref="Allocate(OnnxTensor)"/>) are
/// bound to sessions with IOBinding and stay where they are between runs, so a training step reads and writes its
/// parameters and optimizer state without host copies. Host copies happen only on request
/// (<see cref="DeviceTensor.Upload"/>, <see cref="DeviceTensor.Download"/>: checkpoints, reporting, export) and go through
/// a one-node <c>Identity</c> session on the same device, which lets ONNX Runtime's own data transfer do the
/// host ↔ device copy; the CPU takes exactly the same path with its CPU allocator, which is how it is tested without a GPU.
/// </summary>
/// <remarks>
/// Ownership: this object owns its memory info, its allocator and the copy sessions; each <see cref="DeviceTensor"/> owns
/// its value. The session the allocator came from must outlive this object. Disposing this object first releases every
/// tensor still alive, then the allocator.
/// </remarks>
public sealed class DeviceMemory : IDisposable
{
    private readonly OrtMemoryInfo _info;
    private readonly OrtAllocator _allocator;
    private readonly SessionSettings _copySettings;
    private readonly Dictionary<(TensorElementType Type, int Rank), OnnxSession> _copies = [];
    private readonly HashSet<DeviceTensor> _live = new(ReferenceEqualityComparer.Instance);
    private readonly Lock _gate = new();
    private bool _disposed;

    private DeviceMemory(ExecutionDevice device, OrtMemoryInfo info, OrtAllocator allocator, SessionSettings copySettings)
    {
        Device = device;
        _info = info;
        _allocator = allocator;
        _copySettings = copySettings;
    }

    /// <summary>The device whose memory this is (<see cref="CpuDevice"/> or <see cref="CudaDevice"/>).</summary>
    public ExecutionDevice Device { get; }

    /// <summary>The execution provider that owns this memory: <c>CPUExecutionProvider</c> or <c>CUDAExecutionProvider</c>.</summary>
    public string Provider => ProviderOf(Device);

    /// <summary>ONNX Runtime's name of the memory (<see cref="OrtMemoryInfo.Name"/>): <c>Cpu</c> or <c>Cuda</c>.</summary>
    public string MemoryName => _info.Name;

    /// <summary>Tensors allocated here and not yet disposed.</summary>
    public int LiveTensors
    {
        get
        {
            lock (_gate)
            {
                return _live.Count;
            }
        }
    }

    /// <summary>True once disposed.</summary>
    public bool IsDisposed => _disposed;

    /// <summary>The execution provider's registered name for <paramref name="device"/>.</summary>
    /// <param name="device">A resolved device (CPU or CUDA).</param>
    public static string ProviderOf(ExecutionDevice device) => device switch
    {
        CudaDevice => "CUDAExecutionProvider",
        _ => "CPUExecutionProvider",
    };

    /// <summary>
    /// The memory of <paramref name="device"/> (default: the device <paramref name="session"/> runs on) through the
    /// allocator of <paramref name="session"/>.
    /// </summary>
    /// <param name="session">The session whose allocator serves the memory; it must outlive the returned object.</param>
    /// <param name="device">
    /// <see cref="CpuDevice"/>, <see cref="CudaDevice"/>, or null / <see cref="AutoDevice"/> for the session's own device.
    /// </param>
    /// <exception cref="DeviceUnavailableException">
    /// CUDA memory is requested but the session does not run the CUDA execution provider on that GPU (the message names
    /// the provider the memory needs and the one the session has), or ONNX Runtime has no allocator for it.
    /// </exception>
    public static DeviceMemory Create(OnnxSession session, ExecutionDevice? device = null)
    {
        ArgumentNullException.ThrowIfNull(session);
        ExecutionDevice target = device is null or AutoDevice ? session.Device : device;
        if (target is CudaDevice cuda && !Equals(session.Device, cuda))
        {
            throw new DeviceUnavailableException(
                $"device memory on {cuda} needs the CUDA execution provider (CUDAExecutionProvider) on GPU {cuda.DeviceId}, but the session runs on " +
                $"{session.Device} ({ProviderOf(session.Device)}). Create the session with ExecutionDevice.Cuda({cuda.DeviceId}) (CLI --device {cuda}) " +
                "in an app that references Microsoft.ML.OnnxRuntime.Gpu.Linux (CUDA 13, cuDNN 9), or keep the buffers in cpu memory.");
        }

        OrtMemoryInfo info = target is CudaDevice c
            ? new OrtMemoryInfo(OrtMemoryInfo.allocatorCUDA, OrtAllocatorType.DeviceAllocator, c.DeviceId, OrtMemType.Default)
            : new OrtMemoryInfo(OrtMemoryInfo.allocatorCPU, OrtAllocatorType.DeviceAllocator, 0, OrtMemType.Default);
        try
        {
            OrtAllocator allocator;
            try
            {
                allocator = new OrtAllocator(session.Session, info);
            }
            catch (OnnxRuntimeException e)
            {
                throw new DeviceUnavailableException(
                    $"ONNX Runtime has no {info.Name} allocator for {target} in this session ({ProviderOf(target)} is not registered with it: {e.Message.Trim()}).", e);
            }

            var copy = new SessionSettings { Device = target, IntraOpThreads = 1, InterOpThreads = 1, Optimization = GraphOptimization.Disabled };
            return new DeviceMemory(target, info, allocator, copy);
        }
        catch
        {
            info.Dispose();
            throw;
        }
    }

    /// <summary>Allocates an uninitialised tensor in this memory (the caller owns it).</summary>
    /// <param name="elementType">The element type.</param>
    /// <param name="shape">The dims.</param>
    public DeviceTensor Allocate(TensorElementType elementType, IReadOnlyList<long> shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        long[] dims = [.. shape];
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            OrtValue value = OrtValue.CreateAllocatedTensorValue(_allocator, (OrtElementType)(int)elementType, dims);
            var tensor = new DeviceTensor(this, value, elementType, dims);
            _live.Add(tensor);
            return tensor;
        }
    }

    /// <summary>Allocates a tensor here holding a copy of <paramref name="tensor"/>'s data.</summary>
    /// <param name="tensor">The host tensor.</param>
    public DeviceTensor Allocate(OnnxTensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        DeviceTensor result = Allocate(tensor.ElementType, tensor.Dims);
        try
        {
            result.Upload(tensor.RawData);
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    internal unsafe void Upload(ReadOnlySpan<byte> source, DeviceTensor target)
    {
        Check(target, source.Length);
        if (target.ByteLength == 0)
        {
            return;
        }

        fixed (byte* p = source)
        {
            using OrtValue host = OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, (OrtElementType)(int)target.ElementType, [.. target.Shape], (nint)p, source.Length);
            Copy(host, target.Value, target.ElementType, target.Shape.Count);
        }
    }

    internal unsafe void Download(DeviceTensor source, Span<byte> destination)
    {
        Check(source, destination.Length);
        if (source.ByteLength == 0)
        {
            return;
        }

        fixed (byte* p = destination)
        {
            using OrtValue host = OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, (OrtElementType)(int)source.ElementType, [.. source.Shape], (nint)p, destination.Length);
            Copy(source.Value, host, source.ElementType, source.Shape.Count);
        }
    }

    internal void Forget(DeviceTensor tensor)
    {
        lock (_gate)
        {
            _live.Remove(tensor);
        }
    }

    private void Check(DeviceTensor tensor, long hostBytes)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        ObjectDisposedException.ThrowIf(_disposed, this);
        ObjectDisposedException.ThrowIf(tensor.IsDisposed, tensor);
        if (!ReferenceEquals(tensor.Memory, this))
        {
            throw new ArgumentException($"The tensor lives in another {nameof(DeviceMemory)} ({tensor.Memory.Device}).", nameof(tensor));
        }

        if (hostBytes != tensor.ByteLength)
        {
            throw new ArgumentException(
                $"The {tensor.ElementType}[{string.Join(",", tensor.Shape)}] tensor has {tensor.ByteLength} bytes; the host buffer has {hostBytes}.");
        }
    }

    // y = Identity(x) on this device, x and y bound to the given values: ONNX Runtime copies whichever side is not in
    // the session's memory (host → device for an upload, device → host for a download; a plain copy on the CPU).
    private void Copy(OrtValue from, OrtValue to, TensorElementType type, int rank)
    {
        OnnxSession session;
        lock (_gate)
        {
            if (!_copies.TryGetValue((type, rank), out session!))
            {
                var b = new GraphBuilder("device_copy");
                string x = b.Input("x", type, [.. Enumerable.Range(0, rank).Select(i => (Dim)("d" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)))]);
                b.Output(b.Op("Identity", x), "y");
                session = OrtSessions.Create(b.ToModel(), _copySettings);
                _copies[(type, rank)] = session;
            }
        }

        using OrtIoBinding binding = session.Session.CreateIoBinding();
        using var run = new RunOptions();
        binding.BindInput("x", from);
        binding.BindOutput("y", to);
        session.Session.RunWithBinding(run, binding);
        binding.SynchronizeBoundOutputs();
    }

    /// <summary>Releases every tensor still alive, the copy sessions, the allocator and the memory info.</summary>
    public void Dispose()
    {
        DeviceTensor[] live;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            live = [.. _live];
        }

        foreach (DeviceTensor t in live)
        {
            t.Dispose();
        }

        lock (_gate)
        {
            _disposed = true;
            foreach (OnnxSession s in _copies.Values)
            {
                s.Dispose();
            }

            _copies.Clear();
            _allocator.Dispose();
            _info.Dispose();
        }
    }
}
