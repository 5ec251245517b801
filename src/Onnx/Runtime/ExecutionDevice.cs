namespace Pipelines.Onnx.Runtime;

/// <summary>Where ONNX Runtime executes a session.</summary>
public abstract record ExecutionDevice
{
    private protected ExecutionDevice()
    {
    }

    /// <summary>The CPU execution provider (always available).</summary>
    public static ExecutionDevice Cpu { get; } = new CpuDevice();

    /// <summary>The CUDA execution provider on GPU <paramref name="deviceId"/>; an error when it cannot work.</summary>
    public static ExecutionDevice Cuda(int deviceId = 0) => new CudaDevice(deviceId);

    /// <summary>CUDA on GPU <paramref name="deviceId"/> when it works, else the CPU with a warning.</summary>
    public static ExecutionDevice Auto(int deviceId = 0) => new AutoDevice(deviceId);

    /// <summary>Parses the CLI spelling: <c>cpu</c>, <c>cuda</c>, <c>cuda:N</c>, <c>auto</c>, <c>auto:N</c>.</summary>
    /// <exception cref="PipelinesException">(<see cref="ErrorKind.Usage"/>) Any other text.</exception>
    public static ExecutionDevice Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string t = text.Trim().ToLowerInvariant();
        string[] parts = t.Split(':', 2);
        int id = 0;
        if (parts.Length == 2 && !int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out id))
        {
            throw new PipelinesException(ErrorKind.Usage, $"Device '{text}': the GPU index after ':' must be a non-negative integer.");
        }

        return parts[0] switch
        {
            "cpu" when parts.Length == 1 => Cpu,
            "cuda" or "gpu" => Cuda(id),
            "auto" => Auto(id),
            _ => throw new PipelinesException(ErrorKind.Usage, $"Device '{text}' is not one of cpu, cuda, cuda:N, auto, auto:N."),
        };
    }
}

/// <summary>The CPU execution provider.</summary>
public sealed record CpuDevice : ExecutionDevice
{
    internal CpuDevice()
    {
    }

    /// <inheritdoc />
    public override string ToString() => "cpu";
}

/// <summary>The CUDA execution provider on one GPU.</summary>
/// <param name="DeviceId">The GPU index.</param>
public sealed record CudaDevice(int DeviceId) : ExecutionDevice
{
    /// <inheritdoc />
    public override string ToString() => $"cuda:{DeviceId}";
}

/// <summary>CUDA when it works, else CPU with a warning.</summary>
/// <param name="DeviceId">The GPU index to try.</param>
public sealed record AutoDevice(int DeviceId) : ExecutionDevice
{
    /// <inheritdoc />
    public override string ToString() => $"auto:{DeviceId}";
}
